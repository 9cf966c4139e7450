/**
 * Fairness mitigation on Adult (sensitive sex, test split): exponentiated gradient
 * (DP, EO) with the fast weighted logistic regression, the threshold optimiser,
 * reweighing, and the accuracy-gap curve of the fairness penalty over λ.
 * Compare with Fairlearn 0.9.0 in /work/shared/references/README.md.
 */
import { prepareTask } from "../src/data/index.js";
import { demographicParityDifference, equalizedOddsDifference } from "../src/fairness/measures.js";
import { accuracy } from "../src/fairness/metrics.js";
import { type MitigationRequest, runMitigation, trainPenalised } from "../src/fit/mitigate.js";
import { initBackend } from "../src/nn/index.js";
import { writeResults } from "./machine.js";

const dataDir = process.env.EQUIPOISE_DATA_DIR ?? new URL("../../shared/datasets", import.meta.url).pathname;
const task = await prepareTask({ data: "adult", dataDir, sensitive: ["sex"] });
const base = { train: task.train, test: task.test, model: "logreg" } as const;
const results: Record<string, unknown>[] = [];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

for (const [method, constraint, repeats] of [
  ["expgrad", "dp", 3],
  ["expgrad", "eo", 3],
  ["threshold", "dp", 3],
  ["threshold", "eo", 1],
  ["reweighing", "dp", 1],
] as const) {
  const seconds: number[] = [];
  let outcome: Awaited<ReturnType<typeof runMitigation>> | undefined;
  for (let r = 0; r < repeats; r++) {
    outcome = await runMitigation({ ...base, method, constraint });
    seconds.push(outcome.seconds);
  }
  const { before, after, details } = outcome!;
  const row = {
    method,
    constraint,
    fitSecondsMedian: median(seconds),
    before,
    after,
    details: method === "threshold" ? undefined : details,
  };
  results.push(row);
  console.log(JSON.stringify(row));
}

// Penalty: accuracy-gap curve over λ (engine logistic regression, Adam lr 0.01, batch 256, 5 epochs).
await initBackend();
const penaltyRequest: MitigationRequest = {
  ...base,
  method: "penalty",
  constraint: "dp",
  engine: { epochs: 5, batchSize: 256, optimizer: { kind: "adam", learningRate: 0.01 } },
};
const curve: Record<string, number>[] = [];
for (const lambda of [0, 0.5, 1, 2, 5, 10, 20]) {
  const started = performance.now();
  const predictions = trainPenalised(penaltyRequest, lambda);
  const options = { sensitiveFeatures: task.test.sensitive };
  const point = {
    lambda,
    accuracy: accuracy(task.test.y, predictions),
    demographicParityDifference: demographicParityDifference(task.test.y, predictions, options),
    equalizedOddsDifference: equalizedOddsDifference(task.test.y, predictions, options),
    seconds: (performance.now() - started) / 1000,
  };
  curve.push(point);
  console.log(JSON.stringify(point));
}
results.push({ method: "penalty", constraint: "dp", model: "logreg (engine, Adam, 5 epochs)", curve });
console.log(`results: ${writeResults("fairness", results)}`);
