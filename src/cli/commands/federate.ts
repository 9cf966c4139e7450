/**
 * `equipoise federate`: federated learning. Without a subcommand, a simulation of N
 * clients in one process (local training on every core); `federate server` and
 * `federate client` run the same rounds between separate processes over WebSocket.
 * The commands parse options into the library's FederatedConfig and print; the
 * federated library does the work.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DataError, UsageError, UserError } from "../../common/errors.js";
import { checkOutputPath, writeFileAtomic } from "../../common/files.js";
import { toJson } from "../../common/json.js";
import {
  generateSynthetic,
  loadAdultTable,
  loadGermanCreditTable,
  readDataFile,
  type Table,
  type TaskRequest,
} from "../../data/index.js";
import { parseAggregator } from "../../federated/aggregators.js";
import { parseAttack } from "../../federated/attacks.js";
import { prepareClientData } from "../../federated/client-data.js";
import { type FederatedConfigInput, parseFederatedConfig } from "../../federated/config.js";
import { renderFederatedHtml } from "../../federated/html.js";
import { type ClientEvent, FederatedClient } from "../../federated/net/client.js";
import { runNodeClient } from "../../federated/net/node-client.js";
import { runFederationServer } from "../../federated/net/server.js";
import { parsePartition } from "../../federated/partition.js";
import { prepareFederatedTask } from "../../federated/prepare.js";
import { formatRound, modelDocument, summaryLines } from "../../federated/presentation.js";
import type { FederatedReport } from "../../federated/report.js";
import { parseServerOptimizer } from "../../federated/server-optimizer.js";
import { type FederatedResult, simulateFederated } from "../../federated/simulation.js";
import { splitForFederation, tableToCsv } from "../../federated/split-files.js";
import { initBackend } from "../../nn/index.js";
import { createSecureRandom } from "../../privacy/secure-random.js";
import { defineCommand, type OptionValues, parseChoice, parseNumber, requireOption } from "../command.js";
import { dataOptionSpecs, readTaskRequest } from "../data-options.js";

/** Options shared by the simulation and the server: how rounds are run. */
export const roundOptionSpecs = {
  clients: { type: "string", valueName: "N", description: "number of clients" },
  rounds: { type: "string", valueName: "R", description: "federated rounds", default: "20" },
  model: { type: "string", valueName: "SPEC", description: "logreg, mlp:64,64, ...", default: "logreg" },
  "sample-rate": {
    type: "string",
    valueName: "Q",
    description: "Poisson client sampling: each client takes part in a round with probability Q",
    default: "1",
  },
  "local-epochs": { type: "string", valueName: "E", description: "local epochs per round", default: "1" },
  batch: { type: "string", valueName: "B", description: "local mini-batch size", default: "32" },
  lr: { type: "string", valueName: "LR", description: "local SGD learning rate", default: "0.1" },
  "prox-mu": {
    type: "string",
    valueName: "MU",
    description: "FedProx proximal weight μ (0 = FedAvg)",
    default: "0",
  },
  "server-optimizer": {
    type: "string",
    valueName: "OPT",
    description: "fedavg[:LR], fedavgm[:LR,M] or fedadam[:LR]",
    default: "fedavg",
  },
  aggregate: {
    type: "string",
    valueName: "RULE",
    description: "mean, median, trimmed[:BETA], krum[:F] or multikrum[:F,K]",
    default: "mean",
  },
  "norm-bound": {
    type: "string",
    valueName: "M",
    description: "clip every update (or, with --secure, the aggregate) to L2 norm M",
  },
  qffl: {
    type: "string",
    valueName: "Q",
    description: "fairness-aware aggregation q-FFL with this q (Li et al. 2020)",
  },
  secure: { type: "boolean", description: "secure aggregation: the server sees only the sum of the updates" },
  "secagg-graph": {
    type: "string",
    valueName: "complete|secagg+",
    description: "with --secure: who shares masks (complete graph, or SecAgg+'s sparse graph)",
    default: "complete",
  },
  "secagg-degree": {
    type: "string",
    valueName: "K",
    description:
      "SecAgg+ neighbours per client (default: the smallest that keeps every threshold through 30 % dropouts in 99 % of rounds)",
  },
  threshold: {
    type: "string",
    valueName: "F",
    description: "with --secure: shares needed to recover a secret, as a fraction of a client's neighbours",
    default: "0.5",
  },
  dp: { type: "boolean", description: "client-level differential privacy (DP-FedAvg)" },
  noise: { type: "string", valueName: "SIGMA", description: "with --dp: noise multiplier" },
  clip: { type: "string", valueName: "C", description: "with --dp: L2 bound of every client's update" },
  delta: {
    type: "string",
    valueName: "D",
    description: "with --dp: delta of (epsilon, delta)-DP",
    default: "1e-5",
  },
  accountant: {
    type: "string",
    valueName: "rdp|prv",
    description: "with --dp: privacy accountant",
    default: "rdp",
  },
  "dp-mode": {
    type: "string",
    valueName: "central|distributed",
    description: "with --dp: noise added by the server, or by the clients before secure aggregation",
    default: "central",
  },
  "dp-seed": {
    type: "string",
    valueName: "S",
    description: "with --dp: seeded noise and client sampling, reproducible but NOT for release",
  },
  seed: {
    type: "string",
    valueName: "S",
    description: "seed of the partition, the models and local training",
    default: "0",
  },
  preprocessing: {
    type: "string",
    valueName: "fit|public",
    description:
      "fit: statistics of the training rows; public: declared metadata only (default: public with --dp, else fit)",
  },
  out: {
    type: "string",
    valueName: "MODEL.json",
    description: "save the final global model (for evaluate, audit, explain)",
  },
  report: {
    type: "string",
    valueName: "FILE.json",
    description: "save the report: every round's accuracy, epsilon, groups",
  },
} as const;

export type RoundOptionValues = OptionValues<typeof roundOptionSpecs>;

/** The run's settings from the command line (everything except the data and the simulated parts). */
export function readRoundConfig(options: RoundOptionValues): FederatedConfigInput {
  const clients = parseNumber("clients", requireOption("clients", options.clients), {
    integer: true,
    min: 1,
    max: 100_000,
  });
  const number = (name: keyof RoundOptionValues, rules = {}) =>
    parseNumber(name, options[name] as string, rules);
  const config: FederatedConfigInput = {
    model: options.model,
    clients,
    rounds: number("rounds", { integer: true, min: 1, max: 100_000 }),
    sampleRate: number("sample-rate", { min: 0, max: 1, minExclusive: true }),
    local: {
      epochs: number("local-epochs", { integer: true, min: 1, max: 10_000 }),
      batchSize: number("batch", { integer: true, min: 1 }),
      learningRate: number("lr", { min: 0, minExclusive: true }),
      proximalMu: number("prox-mu", { min: 0 }),
    },
    server: parseServerOptimizer(options["server-optimizer"]),
    aggregator: parseAggregator(options.aggregate),
    seed: number("seed", { integer: true, min: 0 }),
  };
  if (options["norm-bound"] !== undefined)
    config.normBound = number("norm-bound", { min: 0, minExclusive: true });
  if (options.qffl !== undefined) config.qffl = number("qffl", { min: 0 });
  if (options.secure) {
    config.secure = {
      graph: parseChoice("secagg-graph", options["secagg-graph"], ["complete", "secagg+"] as const),
      thresholdFraction: number("threshold", { min: 0, max: 1, maxExclusive: true }),
      ...(options["secagg-degree"] !== undefined
        ? { degree: number("secagg-degree", { integer: true, min: 2 }) }
        : {}),
    };
  } else {
    for (const name of ["secagg-degree"] as const)
      if (options[name] !== undefined) throw new UsageError(`--${name} needs --secure`);
  }
  if (options.dp) {
    config.dp = {
      mode: parseChoice("dp-mode", options["dp-mode"], ["central", "distributed"] as const),
      noise: parseNumber("noise", requireOption("noise", options.noise), { min: 0 }),
      clip: parseNumber("clip", requireOption("clip", options.clip), { min: 0, minExclusive: true }),
      delta: number("delta", { min: 0, max: 1, minExclusive: true, maxExclusive: true }),
      accountant: parseChoice("accountant", options.accountant, ["rdp", "prv"] as const),
      ...(options["dp-seed"] !== undefined ? { seed: number("dp-seed", { integer: true, min: 0 }) } : {}),
    };
  } else {
    for (const name of ["noise", "clip", "dp-seed"] as const)
      if (options[name] !== undefined) throw new UsageError(`--${name} needs --dp`);
  }
  return config;
}

export const federate = defineCommand({
  name: "federate",
  summary: "simulate federated learning: N clients, secure aggregation, client-level DP, attacks",
  options: {
    ...dataOptionSpecs,
    ...roundOptionSpecs,
    partition: {
      type: "string",
      valueName: "SPEC",
      description: "iid, dirichlet:ALPHA (label skew) or group-skew[:S] (clients hold mostly one group)",
      default: "iid",
    },
    dropout: {
      type: "string",
      valueName: "P",
      description: "with --secure: probability that a sampled client drops out (at a random phase)",
      default: "0",
    },
    malicious: { type: "string", valueName: "F", description: "share of clients that are malicious" },
    attack: {
      type: "string",
      valueName: "A",
      description: "label-flip, sign-flip[:S], scale:S, backdoor[:BOOST] or colluding[:Z]",
    },
    workers: {
      type: "string",
      valueName: "W",
      description: "threads for local training (default: every core)",
    },
    backend: { type: "string", valueName: "NAME", description: "tensor backend: wasm, cpu, tensorflow" },
  },
  details: `Every round: clients are sampled (Poisson, --sample-rate), train locally from the
global model, malicious ones attack, the server aggregates (in the clear, or with
--secure only the sum), adds client-level DP noise (--dp), and takes a server step.
Accuracy is on the test split; per-group metrics use the first --sensitive column.
With --dp, epsilon after every round comes from the accountant (sampled Gaussian, q =
--sample-rate, sigma = --noise); distributed DP has its own analysis (docs/federated.md).

Examples:
  equipoise federate --data adult --sensitive sex --clients 10 --rounds 30
  equipoise federate --data adult --clients 100 --sample-rate 0.1 --rounds 50 --dp --noise 1 --clip 0.5 --secure
  equipoise federate --data adult --clients 10 --malicious 0.2 --attack sign-flip --aggregate median`,
  async run({ options, out }) {
    const request = readTaskRequest(options);
    const config = readRoundConfig(options);
    config.partition = parsePartition(options.partition);
    if (config.secure) {
      config.secure.dropout = parseNumber("dropout", options.dropout, { min: 0, max: 1, maxExclusive: true });
    } else if (options.dropout !== "0") throw new UsageError("--dropout needs --secure");
    if ((options.malicious === undefined) !== (options.attack === undefined))
      throw new UsageError("--malicious and --attack go together");
    if (options.malicious !== undefined && options.attack !== undefined) {
      config.attack = {
        fraction: parseNumber("malicious", options.malicious, {
          min: 0,
          max: 1,
          minExclusive: true,
          maxExclusive: true,
        }),
        spec: parseAttack(options.attack),
      };
    }
    if (options.workers !== undefined)
      config.workers = parseNumber("workers", options.workers, { integer: true, min: 1, max: 256 });
    const inputs = request.data.endsWith(".csv") || request.data.endsWith(".arff") ? [request.data] : [];
    const outPath = options.out === undefined ? undefined : checkOutputPath(options.out, "out", inputs);
    const reportPath =
      options.report === undefined ? undefined : checkOutputPath(options.report, "report", inputs);
    if (outPath && outPath === reportPath) throw new UsageError("--out and --report name the same file");
    const { task, notes } = await prepareFederatedTask(request, {
      private: options.dp,
      mode: options.preprocessing,
    });
    for (const line of notes) out.note(line);
    const result = await simulateFederated(task, config, {
      backend: options.backend,
      onRound: (record, settings) => out.note(formatRound(record, settings.rounds)),
    });
    if (outPath) {
      writeFileAtomic(outPath, `${toJson(modelDocument(result, task, request))}\n`);
      out.note(`model written to ${options.out}`);
    }
    if (reportPath) {
      writeFileAtomic(reportPath, reportText(result.report, reportPath));
      out.note(`report written to ${options.report}`);
    }
    if (out.wantsJson) {
      out.json(result.report);
      return;
    }
    for (const line of summaryLines(result.report)) out.print(line);
  },
});

/** The report as JSON, or as a standalone HTML page when the path ends in .html. */
function reportText(report: FederatedReport, path: string): string {
  if (!/\.html?$/i.test(path)) return `${toJson(report, 2)}\n`;
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Equipoise federated run</title></head><body>\n${renderFederatedHtml(report)}\n</body></html>\n`;
}

/** Reads a file a command was given, with one clear line when it cannot. */
export function readTextFile(path: string, option: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new DataError(
      `--${option} ${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`,
    );
  }
}

const serverOptions = {
  port: {
    type: "string",
    valueName: "P",
    description: "port to listen on (0: any free port)",
    default: "8765",
  },
  host: { type: "string", valueName: "H", description: "address to listen on", default: "127.0.0.1" },
  "join-timeout": {
    type: "string",
    valueName: "S",
    description: "seconds to wait for the clients to join",
    default: "120",
  },
  "round-timeout": {
    type: "string",
    valueName: "S",
    description: "seconds a picked client has for local training and its first message",
    default: "300",
  },
  "phase-timeout": {
    type: "string",
    valueName: "S",
    description: "seconds for each later phase of secure aggregation",
    default: "60",
  },
} as const;

export const federateServer = defineCommand({
  name: "federate server",
  summary: "run a federation server: clients connect over WebSocket and train a model together",
  options: { ...dataOptionSpecs, ...roundOptionSpecs, ...serverOptions },
  details: `--data is the server's own data: its training split gives the public preprocessing
sent to every client, its test split the accuracy reported after every round. Clients
keep their rows; with --secure the server sees only the sum of their updates. The
model and the report (--out, --report) are rewritten atomically after every round.
Prints "listening on ws://HOST:PORT" on stderr once it accepts clients.

Example:
  equipoise federate split --data adult --clients 3 --out-dir fed/
  equipoise federate server --data fed/server.csv --target income --sensitive sex --clients 3 --rounds 10 --secure --out model.json
  equipoise federate client --server ws://127.0.0.1:8765 --data fed/client-0.csv   (one per client)`,
  async run({ options, out }) {
    const request = readTaskRequest(options);
    const config = parseFederatedConfig(readRoundConfig(options));
    const port = parseNumber("port", options.port, { integer: true, min: 0, max: 65535 });
    const seconds = (name: "join-timeout" | "round-timeout" | "phase-timeout") =>
      parseNumber(name, options[name], { min: 0, minExclusive: true, max: 86_400 });
    const timeouts = {
      joinSeconds: seconds("join-timeout"),
      roundSeconds: seconds("round-timeout"),
      phaseSeconds: seconds("phase-timeout"),
    };
    const inputs = /\.(csv|arff)$/i.test(request.data) ? [request.data] : [];
    const outPath = options.out === undefined ? undefined : checkOutputPath(options.out, "out", inputs);
    const reportPath =
      options.report === undefined ? undefined : checkOutputPath(options.report, "report", inputs);
    const { task, notes } = await prepareFederatedTask(request, {
      private: options.dp,
      mode: options.preprocessing,
      rowsOf: "server",
    });
    for (const line of notes) out.note(line);
    await initBackend();
    const save = (result: FederatedResult) => {
      if (outPath) writeFileAtomic(outPath, `${toJson(modelDocument(result, task, request))}\n`);
      if (reportPath) writeFileAtomic(reportPath, reportText(result.report, reportPath));
    };
    const result = await runFederationServer({
      config,
      task,
      host: options.host,
      port,
      timeouts,
      checkpoint: save,
      onEvent: (event) => {
        if (event.kind === "listening") out.note(`listening on ws://${event.host}:${event.port}`);
        else if (event.kind === "round") out.note(formatRound(event.record, event.rounds));
        else out.note(event.text);
      },
    });
    save(result);
    if (outPath) out.note(`model written to ${options.out}`);
    if (reportPath) out.note(`report written to ${options.report}`);
    if (out.wantsJson) {
      out.json(result.report);
      return;
    }
    for (const line of summaryLines(result.report)) out.print(line);
  },
});

export const federateClient = defineCommand({
  name: "federate client",
  summary: "join a federation server with your own data; your rows never leave this process",
  options: {
    server: { type: "string", valueName: "URL", description: "the server, e.g. ws://127.0.0.1:8765" },
    data: {
      type: "string",
      valueName: "FILE.csv",
      description: "this client's rows (the columns the server's task names)",
    },
    retries: {
      type: "string",
      valueName: "N",
      description: "reconnection attempts after a lost connection",
      default: "5",
    },
    "retry-delay": {
      type: "string",
      valueName: "S",
      description: "seconds between reconnection attempts",
      default: "1",
    },
    backend: { type: "string", valueName: "NAME", description: "tensor backend: wasm, cpu, tensorflow" },
  },
  details: `The client receives the model and the encoding of the rows from the server, trains
locally in every round it is picked for, and sends its update (with --secure on the
server: a masked vector whose sum with the others' is all the server can learn).`,
  async run({ options, out }) {
    const url = requireOption("server", options.server);
    if (!/^wss?:\/\/[^\s]+$/.test(url))
      throw new UsageError(`--server must be a ws:// or wss:// URL, got '${url}'`);
    const path = requireOption("data", options.data);
    const text = readTextFile(path, "data");
    const retries = parseNumber("retries", options.retries, { integer: true, min: 0, max: 1000 });
    const delay = parseNumber("retry-delay", options["retry-delay"], { min: 0, max: 3600 });
    await initBackend(options.backend);
    const client = new FederatedClient({
      loadData: (task) => prepareClientData(text, task, path),
      random: createSecureRandom(),
      onEvent: (event) => out.note(describeClientEvent(event)),
    });
    const session = await runNodeClient(url, client, {
      retries,
      retryDelaySeconds: delay,
      onNote: (text) => out.note(text),
    });
    if (session.ended === "refused") throw new UserError(`the server refused this client: ${session.reason}`);
    const summary = { client: session.client, rounds: session.rounds, ended: session.ended };
    if (out.wantsJson) out.json(summary);
    else out.print(`client ${session.client}: trained in ${session.rounds} round(s); the federation is done`);
  },
});

function describeClientEvent(event: ClientEvent): string {
  switch (event.kind) {
    case "joined":
      return `joined as client ${event.client} with ${event.rows} rows${event.skipped > 0 ? ` (${event.skipped} skipped: missing or unknown label)` : ""}`;
    case "trained":
      return `round ${event.round}: trained on ${event.examples} rows (loss before ${event.loss.toFixed(4)})`;
    case "sent":
      return `round ${event.round}: sent the ${event.what}`;
    case "round-end":
      return `round ${event.round}: ${event.status}${event.reason ? ` (${event.reason})` : ""}`;
    case "note":
      return event.text;
  }
}

export const federateSplit = defineCommand({
  name: "federate split",
  summary: "cut a data set into one CSV per client and one for the server (to try a federation)",
  options: {
    ...dataOptionSpecs,
    clients: { type: "string", valueName: "N", description: "number of client files" },
    partition: {
      type: "string",
      valueName: "SPEC",
      description: "iid, dirichlet:ALPHA or group-skew[:S] (by the first --sensitive column)",
      default: "iid",
    },
    seed: { type: "string", valueName: "S", description: "seed of the split", default: "0" },
    "out-dir": { type: "string", valueName: "DIR", description: "directory for server.csv and client-K.csv" },
  },
  details: `server.csv gets the data set's fixed test rows (Adult) or a seeded 30 %; the other
rows are partitioned into client-0.csv … client-(N−1).csv. No row is in two files.`,
  run({ options, out }) {
    const request = readTaskRequest(options);
    const clients = parseNumber("clients", requireOption("clients", options.clients), {
      integer: true,
      min: 1,
      max: 10_000,
    });
    const dir = requireOption("out-dir", options["out-dir"]);
    const files = ["server.csv", ...Array.from({ length: clients }, (_, k) => `client-${k}.csv`)].map(
      (name) =>
        checkOutputPath(
          join(dir, name),
          "out-dir",
          /\.(csv|arff)$/i.test(request.data) ? [request.data] : [],
        ),
    );
    const { table, serverRows, target } = rawTable(request);
    const split = splitForFederation(table, {
      target,
      sensitive: request.sensitive?.[0],
      clients,
      partition: parsePartition(options.partition),
      seed: parseNumber("seed", options.seed, { integer: true, min: 0 }),
      serverRows,
    });
    [split.server, ...split.clients].forEach((part, k) => {
      writeFileAtomic(files[k], tableToCsv(part));
    });
    const summary = { dir, server: split.server.rows, clients: split.clients.map((c) => c.rows), target };
    if (out.wantsJson) out.json(summary);
    else
      out.print(
        `wrote ${dir}/server.csv (${split.server.rows} rows) and ${clients} client files (${summary.clients.join(", ")} rows); target column '${target}'`,
      );
  },
});

/** The rows of a data set before any encoding, with its fixed test rows when it has them. */
function rawTable(request: TaskRequest): { table: Table; serverRows?: Uint8Array; target: string } {
  switch (request.data) {
    case "adult": {
      const { table, testRows } = loadAdultTable();
      return { table, serverRows: testRows, target: request.target ?? "income" };
    }
    case "german-credit":
      return { table: loadGermanCreditTable(), target: request.target ?? "class" };
    case "synthetic":
      return { table: generateSynthetic(), target: request.target ?? "label" };
  }
  if (/\.(csv|tsv|txt|arff)(\.gz)?$/i.test(request.data)) {
    return { table: readDataFile(request.data), target: requireOption("target", request.target) };
  }
  throw new UsageError(
    `federate split reads adult, german-credit, synthetic or a .csv/.arff file, not '${request.data}'`,
  );
}
