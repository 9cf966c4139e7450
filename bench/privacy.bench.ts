/**
 * Privacy benchmarks: accountant run times (RDP, PRV) on the reference cases; secure
 * vs seeded Gaussian noise generation (one DP-SGD step of an MLP 104-64-64-1 needs
 * ~11k normals); DP-SGD on Adult (MLP 64,64, expected batch 256 with Poisson
 * sampling, clip 1, SGD lr 0.5, 10 epochs, δ = 1e-5, as the Opacus reference runs)
 * at ε ∈ {0.5, 1, 3, 8} (noise calibrated by the RDP accountant) against the same
 * model trained non-privately (shuffled batches). Run alone:
 *   node --import tsx bench/privacy.bench.ts
 */
import { createRandom } from "../src/common/rng.js";
import { prepareTask } from "../src/data/index.js";
import { buildModel, currentBackend, initBackend } from "../src/nn/index.js";
import { PrvAccountant, RdpAccountant } from "../src/privacy/accountants/index.js";
import { makePrivate } from "../src/privacy/privacy-engine.js";
import { createSecureRandom } from "../src/privacy/secure-random.js";
import { evaluateModel, trainModel } from "../src/train/index.js";
import { writeResults } from "./machine.js";

const seeds = Number(process.env.PRIVACY_BENCH_SEEDS ?? 2);
const cases: [number, number, number][] = [
  [0.01, 1.0, 1000],
  [0.001, 0.5, 100],
  [0.05, 2.0, 1000],
  [0.01, 0.8, 10000],
  [0.001, 2.0, 10000],
  [1 / 118, 1.0, 1180],
  [0.05, 0.5, 10000],
];

const accounting = cases.map(([q, sigma, steps]) => {
  const row: Record<string, number> = { sampleRate: q, noise: sigma, steps };
  for (const accountant of [new RdpAccountant(), new PrvAccountant()]) {
    accountant.step(q, sigma, steps);
    const start = performance.now();
    row[`${accountant.kind}Epsilon`] = accountant.epsilon(1e-5);
    row[`${accountant.kind}Ms`] = Math.round(performance.now() - start);
  }
  console.log(JSON.stringify(row));
  return row;
});

function noiseThroughput(fill: (out: Float32Array) => void): number {
  const out = new Float32Array(11_010);
  for (let i = 0; i < 50; i++) fill(out);
  const reps = 2000;
  const start = performance.now();
  for (let i = 0; i < reps; i++) fill(out);
  return (performance.now() - start) / reps;
}
const secure = createSecureRandom();
const seeded = createRandom(1);
const noise = {
  normalsPerStep: 11_010,
  secureMsPerStep: noiseThroughput((o) => secure.fillNormal(o)),
  seededMsPerStep: noiseThroughput((o) => seeded.fillNormal(o)),
};
console.log(JSON.stringify(noise));

await initBackend();
const task = await prepareTask({ data: "adult" });
const train = { X: task.train.X, y: task.train.y };
const test = { X: task.test.X, y: task.test.y };
const inputShape = [task.train.X.cols];
const epochs = 10;
const batchSize = 256;
const optimizer = { kind: "sgd" as const, learningRate: 0.5 };

const training: Record<string, unknown>[] = [];
for (let seed = 0; seed < seeds; seed++) {
  const model = buildModel("mlp:64,64", inputShape, 2, seed);
  const result = trainModel(model, train, { epochs, batchSize, optimizer, seed, sampling: "shuffle" });
  const row = {
    training: "non-private (shuffle)",
    seed,
    accuracy: evaluateModel(model, test).accuracy,
    examplesPerSecond: Math.round(result.examplesSeen / result.seconds),
    epochsPerSecond: result.history.length / result.seconds,
  };
  console.log(JSON.stringify(row));
  training.push(row);
  model.dispose();
}
for (const targetEpsilon of [0.5, 1, 3, 8]) {
  for (let seed = 0; seed < seeds; seed++) {
    const model = buildModel("mlp:64,64", inputShape, 2, seed);
    const engine = makePrivate({
      model,
      trainerOptions: { batchSize, optimizer, seed },
      dataSize: train.X.rows,
      targetEpsilon,
      clip: 1,
      epochs,
      seed, // reproducible benchmark (noise seeded; not for release)
    });
    const { result, privacy } = engine.train(train);
    const { timings } = engine.gradientComputer;
    const row = {
      training: "DP-SGD",
      targetEpsilon,
      epsilon: privacy.epsilon,
      noise: engine.noise,
      seed,
      accuracy: evaluateModel(model, test).accuracy,
      examplesPerSecond: Math.round(result.examplesSeen / result.seconds),
      epochsPerSecond: result.history.length / result.seconds,
      steps: result.steps,
      noiseShareOfStep: timings.noiseMs / timings.totalMs,
    };
    console.log(JSON.stringify(row));
    training.push(row);
    model.dispose();
  }
}
// The secure generator inside a real run, for its share of the step time.
{
  const model = buildModel("mlp:64,64", inputShape, 2, 0);
  const engine = makePrivate({
    model,
    trainerOptions: { batchSize, optimizer, seed: 0 },
    dataSize: train.X.rows,
    noise: 1,
    clip: 1,
    epochs: 2,
  });
  const { result } = engine.train(train);
  const { timings } = engine.gradientComputer;
  const row = {
    training: "DP-SGD, secure noise",
    noise: 1,
    examplesPerSecond: Math.round(result.examplesSeen / result.seconds),
    noiseMsPerStep: timings.noiseMs / timings.steps,
    stepMs: timings.totalMs / timings.steps,
    noiseShareOfStep: timings.noiseMs / timings.totalMs,
  };
  console.log(JSON.stringify(row));
  training.push(row);
  model.dispose();
}

const path = writeResults("privacy", {
  backend: currentBackend(),
  accounting,
  noise,
  training,
  seeds,
  epochs,
  batchSize,
});
console.log(`wrote ${path}`);
