/** The study of the store benchmarks: ZDT1-shaped, with metrics the size of an explorer trial's (~1.7 kB). */
import type { StudyDefinition } from "../src/search/index.js";
import { zdt1 } from "../src/search/problems.js";

export function benchDefinition(): StudyDefinition {
  return {
    space: zdt1(4).space,
    objectives: [
      { name: "f1", direction: "minimize" },
      { name: "f2", direction: "minimize" },
    ],
    strategy: "random",
    seed: 1,
  };
}

export function benchMetrics(i: number): Record<string, unknown> {
  const split = (s: number) => ({
    accuracy: 0.8 + s,
    loss: 0.4 - s,
    epsilon: i % 2 === 0 ? Number.POSITIVE_INFINITY : 1.5,
    dpDifference: 0.1 * s,
    eoDifference: 0.2 * s,
    eopDifference: 0.15 * s,
    perGroup: Object.fromEntries(
      ["Female", "Male"].map((g) => [
        g,
        { count: 4000 + i, selectionRate: 0.2, tpr: 0.6, fpr: 0.07, accuracy: 0.81 },
      ]),
    ),
  });
  return {
    validation: split(0.01),
    test: split(0.02),
    recipe: {
      model: "mlp:32",
      dp: true,
      noise: 1.1,
      clip: 0.8,
      lr: 0.3,
      epochs: 3,
      batch: 256,
      fairWeight: 0.5,
    },
    privacy: {
      accountant: "rdp",
      delta: 1e-5,
      steps: 350,
      sampleRate: 0.0085,
      noise: 1.1,
      note: "x".repeat(600),
    },
    trainSeconds: 1.23,
  };
}
