/**
 * Federated learning simulated in one process (local training, and the clients' side of
 * secure aggregation, on worker threads):
 * N clients hold disjoint parts of a training split; every round the server samples
 * clients (Poisson, rate q), each trains locally from the global weights, malicious
 * ones attack, the server aggregates — in the clear (mean or a robust rule) or
 * through secure aggregation — optionally adds client-level DP noise (DP-FedAvg,
 * McMahan et al. 2018), takes a server-optimiser step, and measures the new model.
 * Seeded: the same config gives the same models (DP noise and client sampling are
 * secure unless `dp.seed` is given, as in DP-SGD).
 */
import { availableParallelism } from "node:os";
import { UsageError } from "../common/errors.js";
import { createRandom, permutation, type Random } from "../common/rng.js";
import type { PreparedTask } from "../data/index.js";
import { type Architecture, initBackend } from "../nn/index.js";
import { type Accountant, createAccountant } from "../privacy/accountants/index.js";
import { type GaussianNoise, secureGaussianNoise, seededGaussianNoise } from "../privacy/noise.js";
import { createSecureRandom } from "../privacy/secure-random.js";
import type { TrainingData } from "../train/index.js";
import { chooseTrigger, craftUpdates, poisonData } from "./attacks.js";
import { type FederatedConfig, type FederatedConfigInput, parseFederatedConfig } from "./config.js";
import { distributedEpsilon, planDistributedNoise } from "./distributed-dp.js";
import { accuracyOnClients, evaluateGlobalModel } from "./evaluation.js";
import { initialWeights, type LocalUpdate, modelShape, parameterCount } from "./local-training.js";
import { partitionRows } from "./partition.js";
import { preprocessingReadsRows } from "./prepare.js";
import {
  type ClientSummary,
  FEDERATED_REPORT_FORMAT,
  type FederatedReport,
  type PrivacySummary,
  type RoundRecord,
} from "./report.js";
import { aggregateInTheClear, finishSecureSum, type RoundOutcome, secureBound } from "./round-aggregation.js";
import { createSecAggClientHost, type SecAggClientHost } from "./secagg/client-host.js";
import { secureAggregate } from "./secure.js";
import { ServerOptimizer } from "./server-optimizer.js";
import { createLocalTrainer } from "./training-pool.js";

/**
 * Settings of {@link simulateFederated} beyond the configuration.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { type SimulationOptions, simulateFederated } from "equipoise/federated";
 * const options: SimulationOptions = {
 *   backend: "cpu",
 *   onRound: (record, config) => console.log(`round ${record.round}/${config.rounds}: accuracy ${record.evaluation.accuracy}`),
 * };
 * const task = await data.prepareTask({ data: "synthetic" });
 * await simulateFederated(task, { clients: 4, rounds: 2, workers: 1 }, options);
 * ```
 */
export interface SimulationOptions {
  /** Called after every round (progress lines in the CLI). */
  onRound?: (record: RoundRecord, config: FederatedConfig) => void;
  /** Tensor backend (default: the best available). */
  backend?: string;
}

/**
 * A finished federated run: its report and the final global model.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { type FederatedResult, simulateFederated } from "equipoise/federated";
 * const task = await data.prepareTask({ data: "synthetic" }); // 8 features, 2 classes
 * const result: FederatedResult = await simulateFederated(task, { clients: 4, rounds: 2, workers: 1 });
 * result.weights.length; // 9: logistic regression's 8 weights and its bias, flattened
 * console.log(result.architecture, result.report.final.accuracy);
 * ```
 */
export interface FederatedResult {
  report: FederatedReport;
  /** The final global model's weights, flattened in parameter order. */
  weights: Float32Array;
  architecture: Architecture;
}

/**
 * Runs a whole simulation and returns its report and the final global model.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { simulateFederated } from "equipoise/federated";
 * const task = await data.prepareTask({ data: "synthetic", sensitive: ["group"] });
 * const { report } = await simulateFederated(task, {
 *   model: "logreg", clients: 10, rounds: 3, sampleRate: 0.5, workers: 1,
 *   local: { epochs: 1, batchSize: 16, learningRate: 0.1 },
 *   secure: { graph: "complete" }, dp: { noise: 1, clip: 1 },
 * });
 * console.log(report.final.accuracy, report.privacy.epsilon);
 * ```
 */
export async function simulateFederated(
  task: PreparedTask,
  input: FederatedConfigInput,
  options: SimulationOptions = {},
): Promise<FederatedResult> {
  const config = parseFederatedConfig(input);
  checkCombinations(config);
  await initBackend(options.backend);
  const started = performance.now();
  const random = createRandom(config.seed);
  const binary = task.numClasses === 2;
  const shape = modelShape(config.model, task.train.X.cols, task.numClasses);
  const architecture = shape.architecture;
  const parts = partitionRows(
    config.partition,
    { labels: task.train.y, groups: task.train.sensitive[0]?.codes, clients: config.clients },
    random.fork(),
  );
  const clientRows = parts.map((rows) => selectRows(task.train, rows));
  const clean = clientRows.map((c) => c.data);
  const malicious = chooseMalicious(config, random.fork());
  const trigger = config.attack?.spec.kind === "backdoor" ? chooseTrigger(task.train.X) : undefined;
  const attackRandom = random.fork();
  const training = clean.map((data, k) =>
    malicious.has(k) && config.attack
      ? poisonData(config.attack.spec, data, task.numClasses, trigger, attackRandom.fork())
      : data,
  );
  const threads = Math.max(1, Math.min(config.workers ?? availableParallelism(), config.clients));
  // The clients' side of secure aggregation on as many threads (the server stays here),
  // started alongside the training threads.
  const [trainerStart, hostStart] = await Promise.allSettled([
    createLocalTrainer(
      { shape, clients: training, settings: config.local, backend: options.backend },
      threads,
    ),
    config.secure && threads > 1 ? createSecAggClientHost(threads) : undefined,
  ]);
  if (trainerStart.status === "rejected" || hostStart.status === "rejected") {
    await Promise.all([
      trainerStart.status === "fulfilled" ? trainerStart.value.close() : undefined,
      hostStart.status === "fulfilled" ? hostStart.value?.close() : undefined,
    ]);
    throw trainerStart.status === "rejected"
      ? trainerStart.reason
      : (hostStart as PromiseRejectedResult).reason;
  }
  const trainer = trainerStart.value;
  const secAggHost: SecAggClientHost | undefined = hostStart.value;
  const dp = config.dp;
  const seededPrivacy = dp?.seed !== undefined;
  const noise: GaussianNoise | undefined = dp
    ? seededPrivacy
      ? seededGaussianNoise(dp.seed! ^ 0x5eed_fed)
      : secureGaussianNoise()
    : undefined;
  // Amplification by sampling needs a selection nobody can recompute: secure unless seeded.
  const samplingRandom: Random = dp && !seededPrivacy ? createSecureRandom() : random.fork();
  const roundRandom = random.fork();
  const accountant = dp
    ? createRoundAccountant(dp, config.sampleRate, config.clients, parameterCount(shape))
    : undefined;
  const optimizer = new ServerOptimizer(config.server);
  const weights = initialWeights(shape, config.seed);
  const rounds: RoundRecord[] = [];
  try {
    for (let round = 1; round <= config.rounds; round++) {
      const roundStart = performance.now();
      const sampled = poissonSample(config.clients, config.sampleRate, samplingRandom);
      const jobs = sampled.map((client) => ({ client, seed: mixSeed(config.seed, round, client) }));
      const trained = await trainer.train(weights, jobs);
      const updates = attack(config, sampled, trained, malicious);
      const outcome = await aggregateRound(
        config,
        round,
        weights.length,
        updates,
        malicious,
        noise,
        roundRandom.fork(),
        secAggHost,
      );
      if (outcome.delta) optimizer.step(weights, outcome.delta);
      accountant?.countRound();
      const evaluation = evaluateGlobalModel(shape, weights, task.test, { binary, trigger });
      const perClient = accuracyOnClients(shape, weights, clean);
      const record: RoundRecord = {
        round,
        sampled: sampled.length,
        included: outcome.included.length,
        ...(outcome.aborted ? { aborted: outcome.aborted } : {}),
        evaluation,
        clientAccuracy: { ...summarise(perClient), values: perClient },
        epsilon: accountant ? accountant.epsilon() : Number.POSITIVE_INFINITY,
        ...(outcome.secure ? { secure: outcome.secure } : {}),
        ...(outcome.selected ? { selected: outcome.selected } : {}),
        seconds: (performance.now() - roundStart) / 1000,
      };
      rounds.push(record);
      options.onRound?.(record, config);
    }
  } finally {
    await Promise.all([trainer.close(), secAggHost?.close()]);
  }
  const final = rounds[rounds.length - 1].evaluation;
  const report: FederatedReport = {
    format: FEDERATED_REPORT_FORMAT,
    version: 1,
    mode: "simulation",
    data: {
      name: task.name,
      target: task.target,
      classes: task.classNames,
      features: task.train.X.cols,
      trainRows: task.train.X.rows,
      testRows: task.test.X.rows,
      sensitive: task.train.sensitive.map((s) => s.name),
    },
    config,
    parameters: weights.length,
    clients: clientRows.map((rows, id) => summariseClient(id, rows, task, malicious.has(id))),
    rounds,
    final,
    privacy: privacySummary(config, rounds, accountant, "simulation", preprocessingReadsRows(task)),
    ...(config.secure
      ? {
          secure: {
            graph: config.secure.graph,
            ...(config.secure.degree ? { degree: config.secure.degree } : {}),
            thresholdFraction: config.secure.thresholdFraction,
            ringBits: 32 as const,
          },
        }
      : {}),
    seconds: (performance.now() - started) / 1000,
    threads,
  };
  return { report, weights, architecture };
}

/** Settings that cannot work together, refused before any work. */
export function checkCombinations(config: FederatedConfig): void {
  const robust = config.aggregator.kind !== "mean";
  if (config.secure && robust) {
    throw new UsageError(
      `--aggregate ${config.aggregator.kind} needs every update in the clear; under --secure the server only sees the sum (use mean, with --norm-bound to bound the aggregate)`,
    );
  }
  if (config.dp && robust) {
    throw new UsageError(
      `--aggregate ${config.aggregator.kind} has no DP sensitivity analysis here; use mean with --dp`,
    );
  }
  if (config.dp && config.normBound !== undefined) {
    throw new UsageError("--dp already clips every update to --clip; drop --norm-bound");
  }
  if (config.qffl !== undefined && (robust || config.dp || config.secure)) {
    throw new UsageError(
      "--qffl combines with plain mean aggregation only (not with --secure, --dp or a robust --aggregate)",
    );
  }
  if (config.dp?.mode === "distributed" && !config.secure) {
    throw new UsageError(
      "distributed DP (--dp-mode distributed) needs --secure: clients' noise only hides them inside a secure sum",
    );
  }
  if (config.attack && Math.ceil(config.attack.fraction * config.clients) >= config.clients) {
    throw new UsageError(
      `--malicious ${config.attack.fraction} leaves no honest client among ${config.clients}`,
    );
  }
}

async function aggregateRound(
  config: FederatedConfig,
  round: number,
  dimension: number,
  updates: Map<number, LocalUpdate>,
  malicious: ReadonlySet<number>,
  noise: GaussianNoise | undefined,
  random: Random,
  host: SecAggClientHost | undefined,
): Promise<RoundOutcome> {
  if (!config.secure) return aggregateInTheClear(config, updates, dimension, noise);
  const result = await secureAggregate(updates, config.secure, {
    round,
    dimension,
    bound: secureBound(config),
    honest: (client) => !malicious.has(client),
    dp: config.dp,
    expectedClients: config.sampleRate * config.clients,
    random,
    host,
  });
  // An aborted round releases nothing: the model stays as it was.
  if (!result.sum) return { included: [], aborted: result.aborted, secure: result.secure };
  return {
    delta: finishSecureSum(config, result.sum, result.included.length, noise),
    included: result.included,
    secure: result.secure,
  };
}

/** Malicious sampled clients replace their updates with crafted ones. */
function attack(
  config: FederatedConfig,
  sampled: number[],
  trained: Map<number, LocalUpdate>,
  malicious: ReadonlySet<number>,
): Map<number, LocalUpdate> {
  if (!config.attack) return trained;
  const attackers = sampled.filter((id) => malicious.has(id));
  if (attackers.length === 0) return trained;
  const crafted = craftUpdates(
    config.attack.spec,
    attackers.map((id) => trained.get(id)!.update),
    sampled.length,
  );
  const out = new Map(trained);
  attackers.forEach((id, k) => {
    out.set(id, { ...trained.get(id)!, update: crafted[k] });
  });
  return out;
}

/** Each of n clients independently with probability q, ascending. */
export function poissonSample(n: number, q: number, random: Random): number[] {
  const out: number[] = [];
  for (let k = 0; k < n; k++) if (q >= 1 || random.uniform() < q) out.push(k);
  return out;
}

/** A 32-bit seed for (run seed, round, client), well mixed (splitmix32 finaliser). */
export function mixSeed(seed: number, round: number, client: number): number {
  let z = (seed ^ Math.imul(round, 0x9e3779b9) ^ Math.imul(client + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function chooseMalicious(config: FederatedConfig, random: Random): Set<number> {
  if (!config.attack) return new Set();
  const count = Math.ceil(config.attack.fraction * config.clients);
  return new Set(Array.from(permutation(config.clients, random).subarray(0, count)));
}

interface ClientRows {
  data: TrainingData;
  /** Group codes of the rows, one array per sensitive attribute. */
  groups: Int32Array[];
}

function selectRows(split: PreparedTask["train"], rows: Int32Array): ClientRows {
  const { cols } = split.X;
  const X = new Float32Array(rows.length * cols);
  const y = new Float32Array(rows.length);
  rows.forEach((row, k) => {
    X.set(split.X.data.subarray(row * cols, row * cols + cols), k * cols);
    y[k] = split.y[row];
  });
  return {
    data: { X: { rows: rows.length, cols, data: X }, y },
    groups: split.sensitive.map((s) => Int32Array.from(rows, (row) => s.codes[row])),
  };
}

function summarise(values: number[]): { min: number; mean: number; max: number } {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { min: Number.NaN, mean: Number.NaN, max: Number.NaN };
  return {
    min: Math.min(...finite),
    mean: finite.reduce((a, b) => a + b, 0) / finite.length,
    max: Math.max(...finite),
  };
}

function summariseClient(
  id: number,
  rows: ClientRows,
  task: PreparedTask,
  malicious: boolean,
): ClientSummary {
  const n = rows.data.y.length;
  const classShares = task.classNames.map((_, c) => rows.data.y.filter((y) => y === c).length / n);
  const attribute = task.train.sensitive[0];
  const groupShares: Record<string, number> = {};
  if (attribute) {
    attribute.categories.forEach((group, g) => {
      groupShares[group] = rows.groups[0].filter((code) => code === g).length / n;
    });
  }
  return { id, rows: n, malicious, classShares, groupShares };
}

export function privacySummary(
  config: FederatedConfig,
  rounds: RoundRecord[],
  accountant: RoundAccountant | undefined,
  mode: "simulation" | "processes" = "simulation",
  preprocessingFromClients = false,
): PrivacySummary {
  const dp = config.dp;
  const notCovered = [
    "per-round diagnostics: how many clients were sampled and included, secure-aggregation dropouts, timings",
    mode === "simulation"
      ? "the global model's accuracy on every client's rows, and the partition summary (simulation only: a real server never sees them)"
      : "the number of rows each client reported with a plain (not secure) update",
  ];
  if (preprocessingFromClients) {
    notCovered.push(
      "the preprocessing (means, standard deviations, categories) was computed from every client's rows in the clear; use public metadata (--preprocessing public) for a release",
    );
  }
  if (!dp) {
    return {
      private: false,
      mode: "none",
      epsilon: Number.POSITIVE_INFINITY,
      sampleRate: config.sampleRate,
      noiseSource: "none",
      suitableForRelease: false,
      notCovered,
    };
  }
  return {
    private: true,
    mode: dp.mode,
    epsilon: rounds[rounds.length - 1].epsilon,
    delta: dp.delta,
    accountant: dp.accountant,
    sampleRate: config.sampleRate,
    noise: dp.noise,
    clip: dp.clip,
    ...(accountant?.epsilonAgainstServer ? { epsilonAgainstServer: accountant.epsilonAgainstServer() } : {}),
    noiseSource: dp.seed === undefined ? "secure" : "seeded",
    suitableForRelease: dp.seed === undefined && !preprocessingFromClients,
    notCovered,
  };
}

/**
 * ε round by round. Central DP: the shared accountant, one sampled-Gaussian step
 * (q, σ) per round — every round, including rounds that aborted (an upper bound).
 * Distributed DP: the distributed discrete Gaussian's own RDP analysis
 * (distributed-dp.ts), which the sampled-Gaussian accountant does not cover.
 */
export interface RoundAccountant {
  countRound(): void;
  epsilon(): number;
  epsilonAgainstServer?: () => number;
}

export function createRoundAccountant(
  dp: NonNullable<FederatedConfig["dp"]>,
  sampleRate: number,
  clients: number,
  dimension: number,
): RoundAccountant {
  if (dp.mode === "central") {
    const accountant: Accountant = createAccountant(dp.accountant);
    return {
      countRound: () => accountant.step(sampleRate, dp.noise),
      epsilon: () => accountant.epsilon(dp.delta),
    };
  }
  const plan = planDistributedNoise({ ...dp, dimension, expectedClients: sampleRate * clients });
  let rounds = 0;
  return {
    countRound: () => {
      rounds++;
    },
    epsilon: () => distributedEpsilon(plan, dimension, sampleRate, rounds, dp.delta),
    epsilonAgainstServer: () => distributedEpsilon(plan, dimension, 1, rounds, dp.delta),
  };
}
