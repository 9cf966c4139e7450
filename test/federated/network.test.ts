/**
 * Server and clients over real WebSockets on 127.0.0.1, in one process: the rounds
 * complete in the clear and with secure aggregation, and the server survives
 * malformed, oversized, wrong-length and replayed messages, a client that never
 * answers, and a client that loses its connection and comes back.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { WebSocket } from "ws";
import { createRandom } from "../../src/common/rng.js";
import { generateSynthetic, type PreparedTask, prepareTask } from "../../src/data/index.js";
import { prepareClientData } from "../../src/federated/client-data.js";
import { type FederatedConfigInput, federatedConfigSchema } from "../../src/federated/config.js";
import { distributedEpsilon, planDistributedNoise } from "../../src/federated/distributed-dp.js";
import { type ClientOptions, FederatedClient } from "../../src/federated/net/client.js";
import { runNodeClient } from "../../src/federated/net/node-client.js";
import { runFederationServer, type ServerEvent } from "../../src/federated/net/server.js";
import { splitForFederation, tableToCsv } from "../../src/federated/split-files.js";

let task: PreparedTask;
let clientCsv: string[];

before(async () => {
  task = await prepareTask({ data: "synthetic" });
  const split = splitForFederation(generateSynthetic(), {
    target: "label",
    clients: 4,
    partition: { kind: "iid" },
    seed: 1,
  });
  clientCsv = split.clients.map(tableToCsv);
});

interface Federation {
  notes: string[];
  result: Awaited<ReturnType<typeof runFederationServer>>;
}

/** Runs a server and the given clients (client k reads client file k) to the end. */
async function federation(
  config: FederatedConfigInput,
  clients: Partial<ClientOptions>[],
  extra: { rogue?: (url: string) => Promise<void>; roundSeconds?: number } = {},
): Promise<Federation> {
  const notes: string[] = [];
  let resolvePort: (port: number) => void;
  const port = new Promise<number>((resolve) => {
    resolvePort = resolve;
  });
  const server = runFederationServer({
    config: federatedConfigSchema.parse(config),
    task,
    host: "127.0.0.1",
    port: 0,
    timeouts: { joinSeconds: 30, roundSeconds: extra.roundSeconds ?? 30, phaseSeconds: 10 },
    onEvent: (event: ServerEvent) => {
      if (event.kind === "listening") resolvePort(event.port);
      if (event.kind === "note") notes.push(event.text);
    },
  });
  const url = `ws://127.0.0.1:${await port}`;
  const running = clients.map((options, k) =>
    runNodeClient(
      url,
      new FederatedClient({
        loadData: (spec) => prepareClientData(clientCsv[k], spec, `client-${k}.csv`),
        random: createRandom(100 + k),
        ...options,
      }),
      { retries: 3, retryDelaySeconds: 0.2 },
    ),
  );
  const rogue = extra.rogue?.(url);
  const result = await server;
  await Promise.allSettled([...running, ...(rogue ? [rogue] : [])]);
  return { notes, result };
}

const base: FederatedConfigInput = {
  clients: 3,
  rounds: 2,
  model: "logreg",
  local: { epochs: 1, batchSize: 32, learningRate: 0.1 },
};

describe("a federation over WebSocket", () => {
  test("plain rounds: every client's update is in, accuracy is measured each round", async () => {
    const { result } = await federation(base, [{}, {}, {}]);
    assert.equal(result.report.mode, "processes");
    assert.deepEqual(
      result.report.rounds.map((r) => r.included),
      [3, 3],
    );
    assert.ok(result.report.final.accuracy > 0.6);
    assert.deepEqual(
      result.report.clients.map((c) => c.rows),
      [700, 700, 700],
    );
  });

  test("secure rounds: the server learns the sum, and the model matches the plain run closely", async () => {
    const plain = await federation({ ...base, rounds: 1 }, [{}, {}, {}]);
    const secure = await federation({ ...base, rounds: 1, secure: { graph: "complete" } }, [{}, {}, {}]);
    assert.deepEqual(
      secure.result.report.rounds.map((r) => r.included),
      [3],
    );
    // One round, the clients' random sources seeded alike: the same local training; the
    // secure mean differs from the plain one only by the 32-bit quantisation.
    const difference = secure.result.weights.reduce(
      (m, w, i) => Math.max(m, Math.abs(w - plain.result.weights[i])),
      0,
    );
    assert.ok(difference < 1e-5, `max weight difference ${difference}`);
    assert.equal(
      secure.result.report.clients[0].rows,
      undefined,
      "under secure aggregation the server never learns row counts",
    );
  });

  test("distributed DP over the network: clients add their noise shares, ε is the distributed analysis's", async () => {
    const { result } = await federation(
      { ...base, secure: { graph: "complete" }, dp: { mode: "distributed", noise: 1, clip: 1, seed: 2 } },
      [{}, {}, {}],
    );
    assert.deepEqual(
      result.report.rounds.map((r) => r.included),
      [3, 3],
    );
    const plan = planDistributedNoise({ noise: 1, clip: 1, dimension: 9, expectedClients: 3 });
    assert.equal(result.report.privacy.epsilon, distributedEpsilon(plan, 9, 1, 2, 1e-5));
    assert.ok(Number.isFinite(result.report.final.accuracy));
  });

  test("malformed, oversized, wrong-length and replayed messages are refused; the run goes on", async () => {
    const wrongLength: Partial<ClientOptions> = {
      tamper: (message) =>
        message.type === "update" ? { ...message, update: message.update.subarray(1) } : message,
    };
    const replaying: Partial<ClientOptions> = {
      tamper: (message) => (message.type === "update" ? { ...message, round: message.round - 1 } : message),
    };
    let oversizedClose = 0;
    const garbage: Partial<ClientOptions> = {
      tamper: (message) =>
        message.type === "update" ? '{"type":"update","round":1,"update":"!!!"' : message,
    };
    const { notes, result } = await federation(
      { ...base, clients: 4 },
      [{}, wrongLength, replaying, garbage],
      {
        roundSeconds: 3,
        rogue: async (url) => {
          // A frame beyond the server's limit (16 bytes per parameter + 64 KiB): ws closes it with 1009.
          const socket = new WebSocket(url);
          await new Promise((resolve) => socket.once("open", resolve));
          socket.send("x".repeat(16 * 9 + 70_000));
          oversizedClose = await new Promise<number>((resolve) =>
            socket.once("close", (code) => resolve(code)),
          );
        },
      },
    );
    assert.equal(oversizedClose, 1009, "message too big");
    assert.deepEqual(
      result.report.rounds.map((r) => r.included),
      [1, 1],
    );
    assert.ok(
      notes.some((n) => /an update of 8 values, the model has 9/.test(n)),
      notes.join("\n"),
    );
    assert.ok(
      notes.some((n) => /replayed/.test(n)),
      notes.join("\n"),
    );
    assert.ok(
      notes.some((n) => /malformed message: not JSON; connection closed/.test(n)),
      notes.join("\n"),
    );
    assert.ok(Number.isFinite(result.report.final.accuracy));
  });

  test("a client that never answers is dropped at the deadline; one that loses its connection comes back", async () => {
    let dropped = false;
    const silent: Partial<ClientOptions> = {
      tamper: (message) => (message.type === "update" ? null : message),
    };
    const flaky: Partial<ClientOptions> = {
      tamper: (message) => {
        if (message.type === "update" && message.round === 1 && !dropped) {
          dropped = true;
          return "close-me";
        }
        return message;
      },
    };
    // "close-me" is not JSON: the server closes the connection; the client reconnects with its token.
    const { notes, result } = await federation({ ...base, rounds: 3 }, [{}, silent, flaky], {
      roundSeconds: 3,
    });
    assert.deepEqual(
      result.report.rounds.map((r) => r.included),
      [1, 2, 2],
    );
    assert.ok(
      notes.some((n) => /client 2 reconnected/.test(n)),
      notes.join("\n"),
    );
    assert.ok(
      notes.some((n) => /no update from client 1/.test(n)),
      notes.join("\n"),
    );
  });
});
