/**
 * Engine benchmark: training throughput on Adult (MLP 64-64, batch 256) for
 * (a) plain training, (b) per-example norms + clipped sum (DP-SGD minus the noise),
 * (c) the naive way (tfjs autodiff one example at a time); test accuracies of the
 * reference models; and a Fashion-MNIST small-CNN run of 3 epochs.
 *   node --import tsx bench/nn.bench.ts [--skip-cnn | --only cnn]
 * `--only cnn` runs just the CNN (results in bench/results/nn-cnn.json).
 * `--only defaults` re-runs the choice of the recipe's default optimiser settings
 * (results in bench/results/nn-defaults.json): logistic regression on Adult, 10 epochs,
 * every setting of a grid trained on 80% of the training split (seeds 0 and 1) and
 * scored on the other 20% (validation); the L-BFGS optimum of scikit-learn's
 * objective as the target; then the chosen defaults (lowest validation log-loss),
 * trained by `fitRecipe` on the whole training split with seed 0, scored once on the
 * test split.
 */
import * as tf from "@tensorflow/tfjs-core";
import { prepareTask, splitValidation } from "../src/data/index.js";
import { WeightedLogisticRegression } from "../src/fairness/learner.js";
import { evaluateFit, fitRecipe, parseRecipe } from "../src/fit/index.js";
import {
  buildModel,
  currentBackend,
  initBackend,
  labelTensor,
  perExampleLosses,
  type Sequential,
} from "../src/nn/index.js";
import {
  evaluateModel,
  type GradientComputer,
  type OptimizerConfig,
  type SamplingKind,
  type TrainingData,
  trainModel,
} from "../src/train/index.js";
import { registerAutodiffGradients } from "../test/nn/autodiff-gradients.js";
import { writeResults } from "./machine.js";

const dataDir = process.env.EQUIPOISE_DATA_DIR ?? new URL("../../shared/datasets", import.meta.url).pathname;

/** DP-SGD's gradient without the noise: Σ clip(gᵢ) / expected batch size. */
const clippedSum = (clipNorm: number): GradientComputer => ({
  name: "clipped-sum",
  compute(model, batch) {
    if (batch.indices.length === 0) {
      return { gradients: model.parameters().map((p) => tf.zerosLike(p)), lossSum: tf.scalar(0), count: 0 };
    }
    const pass = model.backwardPass(batch.x, batch.labels);
    const { gradients, norms } = pass.clippedGradientSum(clipNorm);
    const scaled = gradients.map((g) => tf.div(g, batch.expectedBatchSize));
    const lossSum = tf.tidy(() => tf.sum(pass.losses()) as tf.Scalar);
    tf.dispose([...gradients, norms]);
    pass.dispose();
    return { gradients: scaled, lossSum, count: batch.indices.length };
  },
});

function run(
  spec: string,
  task: { train: TrainingData; test: TrainingData; numClasses: number; imageShape?: number[] },
  settings: {
    epochs: number;
    batchSize: number;
    optimizer: OptimizerConfig;
    sampling?: SamplingKind;
    computer?: GradientComputer;
    seed?: number;
  },
) {
  const shape = task.imageShape ?? [task.train.X.cols];
  const model = buildModel(spec, shape, task.numClasses, settings.seed ?? 0);
  const result = trainModel(model, task.train, {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    optimizer: settings.optimizer,
    seed: settings.seed ?? 0,
    sampling: settings.sampling,
    gradientComputer: settings.computer,
  });
  const accuracy = evaluateModel(model, task.test).accuracy;
  model.dispose();
  const epochSeconds = result.history.map((h) => h.seconds);
  const perEpoch = result.examplesSeen / settings.epochs;
  const rates = epochSeconds.map((s) => perEpoch / s).sort((a, b) => a - b);
  return {
    model: spec,
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    optimizer: settings.optimizer,
    sampling: result.sampling,
    gradient: result.gradientComputer,
    testAccuracy: accuracy,
    seconds: result.seconds,
    examplesPerSecondMedian: rates[Math.floor(rates.length / 2)],
    examplesPerSecondBest: rates[rates.length - 1],
  };
}

/** (c): per-example gradients by tf.grads, one example at a time, then clip and sum. */
function naivePerExample(
  model: Sequential,
  X: Float32Array,
  y: Float32Array,
  cols: number,
  batches: number,
  batchSize: number,
) {
  const started = performance.now();
  for (let b = 0; b < batches; b++) {
    tf.tidy(() => {
      let sum = model.parameters().map((p) => tf.zerosLike(p));
      for (let i = 0; i < batchSize; i++) {
        const row = (b * batchSize + i) % y.length;
        const xi = tf.tensor2d(X.subarray(row * cols, row * cols + cols), [1, cols]);
        const yi = labelTensor(model.architecture.loss, y.subarray(row, row + 1));
        const grads = tf.grads((...p: tf.Tensor[]) =>
          tf.sum(perExampleLosses(model.architecture.loss, model.logitsWith(xi, p), yi)),
        )(model.parameters());
        const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
        const factor = tf.minimum(1, tf.div(1, tf.add(norm, 1e-6)));
        sum = sum.map((s, k) => tf.add(s, tf.mul(grads[k], factor)));
      }
      sum[0].dataSync();
    });
  }
  return ((batches * batchSize) / (performance.now() - started)) * 1000;
}

const onlyArgument = process.argv.indexOf("--only");
const only = onlyArgument >= 0 ? process.argv[onlyArgument + 1] : undefined;
if (only !== undefined && only !== "cnn" && only !== "defaults")
  throw new Error(`--only takes 'cnn' or 'defaults', got '${only}'`);

/** The grid the recipe's defaults were chosen from (BENCHMARKS.md, "Default training settings"). */
function defaultsGrid(): { name: string; batch: number; optimizer: OptimizerConfig }[] {
  const grid: { name: string; batch: number; optimizer: OptimizerConfig }[] = [];
  for (const batch of [32, 64, 128, 256]) {
    for (const learningRate of [0.05, 0.1, 0.2, 0.5, 1])
      grid.push({ name: `sgd ${learningRate}`, batch, optimizer: { kind: "sgd", learningRate } });
    for (const learningRate of [0.01, 0.05, 0.1])
      grid.push({
        name: `sgd+momentum 0.9 ${learningRate}`,
        batch,
        optimizer: { kind: "sgd", learningRate, momentum: 0.9 },
      });
    for (const learningRate of [0.001, 0.003, 0.01, 0.03])
      grid.push({ name: `adam ${learningRate}`, batch, optimizer: { kind: "adam", learningRate } });
  }
  for (const batch of [64, 128, 256]) {
    for (const learningRate of [0.1, 0.2, 0.5, 1])
      grid.push({
        name: `sgd cosine ${learningRate}`,
        batch,
        optimizer: { kind: "sgd", learningRate, schedule: "cosine" },
      });
    for (const learningRate of [0.05, 0.1])
      grid.push({
        name: `sgd+momentum 0.9 cosine ${learningRate}`,
        batch,
        optimizer: { kind: "sgd", learningRate, momentum: 0.9, schedule: "cosine" },
      });
    for (const learningRate of [0.003, 0.01, 0.03])
      grid.push({
        name: `adam cosine ${learningRate}`,
        batch,
        optimizer: { kind: "adam", learningRate, schedule: "cosine" },
      });
  }
  return grid;
}

async function chooseDefaults() {
  const adult = await prepareTask({ data: "adult", dataDir });
  const { train, validation } = splitValidation(adult.train, 0.2, 0);
  const lbfgs = new WeightedLogisticRegression();
  lbfgs.fit(train.X, train.y);
  const probabilities = lbfgs.predictProba(validation.X);
  let correct = 0;
  let logLoss = 0;
  probabilities.forEach((p, i) => {
    if ((p >= 0.5 ? 1 : 0) === validation.y[i]) correct++;
    logLoss -= Math.log(Math.min(Math.max(validation.y[i] === 1 ? p : 1 - p, 1e-15), 1));
  });
  const target = { accuracy: correct / validation.y.length, loss: logLoss / validation.y.length };
  console.log("L-BFGS optimum (scikit-learn's objective, C = 1) on validation", target);
  const settings = defaultsGrid().map((setting) => {
    const runs = [0, 1].map((seed) => {
      const model = buildModel("logreg", [train.X.cols], 2, seed);
      trainModel(model, train, { epochs: 10, batchSize: setting.batch, optimizer: setting.optimizer, seed });
      const evaluation = evaluateModel(model, validation);
      model.dispose();
      return evaluation;
    });
    const row = {
      ...setting,
      validationAccuracy: runs.map((r) => r.accuracy),
      validationLoss: runs.reduce((sum, r) => sum + r.loss, 0) / runs.length,
    };
    console.log(
      `${setting.name}, batch ${setting.batch}: validation loss ${row.validationLoss.toFixed(5)}, accuracy ${row.validationAccuracy.map((a) => a.toFixed(4)).join(" / ")}`,
    );
    return row;
  });
  const best = settings.reduce((a, b) => (b.validationLoss < a.validationLoss ? b : a));
  // The recipe's defaults must be the chosen setting; the test split is read once, for it.
  const defaults = parseRecipe({ model: "logreg", epochs: 10, seed: 0 });
  const fitted = fitRecipe(defaults, { train: adult.train, numClasses: 2, inputShape: [adult.train.X.cols] });
  const test = evaluateFit(fitted.model, adult.test, { numClasses: 2 });
  fitted.model.dispose();
  const chosen = {
    best: `${best.name}, batch ${best.batch}`,
    defaults,
    testAccuracy: test.accuracy,
    testLoss: test.loss,
  };
  console.log("chosen", chosen);
  return { validationRows: validation.y.length, lbfgsValidation: target, settings, chosen };
}

async function main() {
  const backend = await initBackend();
  console.log("backend", backend);
  if (only === "defaults") {
    console.log("wrote", writeResults("nn-defaults", await chooseDefaults()));
    return;
  }
  if (only === "cnn") {
    const results = { backend: currentBackend(), cnnFashion: await runCnn() };
    console.log("wrote", writeResults("nn-cnn", results));
    return;
  }
  const adult = await prepareTask({ data: "adult", dataDir });
  const results: Record<string, unknown> = { backend: currentBackend() };
  const sgd = (learningRate: number): OptimizerConfig => ({ kind: "sgd", learningRate });

  results.plainMlp = run("mlp:64,64", adult, { epochs: 10, batchSize: 256, optimizer: sgd(0.5) });
  console.log("(a) plain MLP 64-64", results.plainMlp);
  results.clippedMlp = run("mlp:64,64", adult, {
    epochs: 10,
    batchSize: 256,
    optimizer: sgd(0.5),
    sampling: "poisson",
    computer: clippedSum(1),
  });
  console.log("(b) norms + clipped sum, Poisson", results.clippedMlp);
  results.clippedMlpShuffled = run("mlp:64,64", adult, {
    epochs: 3,
    batchSize: 256,
    optimizer: sgd(0.5),
    computer: clippedSum(1),
  });
  console.log("(b') norms + clipped sum, shuffled", results.clippedMlpShuffled);

  await registerAutodiffGradients();
  const naiveModel = buildModel("mlp:64,64", [adult.train.X.cols], 2, 0);
  results.naivePerExampleExamplesPerSecond = naivePerExample(
    naiveModel,
    adult.train.X.data,
    adult.train.y,
    adult.train.X.cols,
    2,
    256,
  );
  naiveModel.dispose();
  console.log("(c) naive autodiff per example", results.naivePerExampleExamplesPerSecond);

  results.logregAdult = run("logreg", adult, { epochs: 10, batchSize: 256, optimizer: sgd(0.1) });
  results.logregAdultAdam = run("logreg", adult, {
    epochs: 10,
    batchSize: 256,
    optimizer: { kind: "adam", learningRate: 0.005 },
  });
  console.log("logreg adult", results.logregAdult, results.logregAdultAdam);
  const german = await prepareTask({ data: "german-credit", dataDir });
  results.logregGerman = run("logreg", german, { epochs: 50, batchSize: 32, optimizer: sgd(0.05) });
  console.log("logreg german", results.logregGerman);

  if (!process.argv.includes("--skip-cnn")) results.cnnFashion = await runCnn();
  console.log("wrote", writeResults("nn", results));
}

/** Fashion-MNIST small CNN, 3 epochs; also the epoch times (seconds per 60,000 images). */
async function runCnn() {
  const fashion = await prepareTask({ data: "fashion-mnist", dataDir });
  const result = run("cnn", fashion, {
    epochs: 3,
    batchSize: 64,
    optimizer: { kind: "adam", learningRate: 0.002 },
  });
  const secondsPerEpoch = fashion.train.X.rows / result.examplesPerSecondMedian;
  const cnn = { ...result, secondsPerEpochMedian: secondsPerEpoch };
  console.log("cnn fashion-mnist", cnn);
  return cnn;
}

await main();
