/**
 * A realistic study for report tests, generated from a seeded RNG: logistic
 * regression and MLP trials, private and non-private, a few failed and one
 * running. Pareto membership and the hypervolume history are computed from the
 * normalised objectives (brute force / Monte Carlo), not hand-written.
 */
import { createRandom } from "../../src/common/rng.js";
import type { GroupMetrics, ReportData, ReportTrial, TrialMetrics } from "../../src/report/index.js";

const MAJORITY_ACCURACY = 0.751;
const REFERENCE = { accuracy: 0.8472, gapRef: 0.1838 };

function groupMetrics(
  count: number,
  accuracy: number,
  selectionRate: number,
  tpr: number,
  fpr: number,
): GroupMetrics {
  return { count, accuracy, selectionRate, tpr, fpr };
}

function metricsFor(accuracy: number, epsilon: number, dpDifference: number, rowScale: number): TrialMetrics {
  const eoDifference = Math.min(1, dpDifference * 0.55 + 0.01);
  const base = 0.19;
  const perGroup = {
    sex: {
      Female: groupMetrics(Math.round(1629 * rowScale), accuracy + 0.07, base - dpDifference / 2, 0.56, 0.03),
      Male: groupMetrics(
        Math.round(3363 * rowScale),
        accuracy - 0.035,
        base + dpDifference / 2,
        0.56 + eoDifference,
        0.09,
      ),
    },
    race: {
      White: groupMetrics(Math.round(4290 * rowScale), accuracy - 0.006, base + dpDifference / 4, 0.6, 0.07),
      "non-White": groupMetrics(
        Math.round(702 * rowScale),
        accuracy + 0.04,
        base - dpDifference / 4,
        0.55,
        0.045,
      ),
    },
  };
  const e = Math.min(1, (1 - accuracy) / (1 - MAJORITY_ACCURACY));
  const p = Math.min(1, Math.max(0, (Math.log10(epsilon) + 1) / 3));
  const u = Math.min(1, dpDifference / REFERENCE.gapRef);
  return { accuracy, epsilon, dpDifference, eoDifference, perGroup, normalised: { e, p, u } };
}

function dominates(a: number[], b: number[]): boolean {
  return a.every((value, k) => value <= b[k]) && a.some((value, k) => value < b[k]);
}

export function studyFixture(options: { trials?: number; seed?: number } = {}): ReportData {
  const count = options.trials ?? 40;
  const random = createRandom(options.seed ?? 7);
  const trials: ReportTrial[] = [];
  for (let number = 1; number <= count; number++) {
    const model = random.uniform() < 0.5 ? "logreg" : "mlp:64,64";
    const privateRun = random.uniform() < 0.8;
    const noise = 0.5 + random.uniform() * 2;
    const fairWeight = random.uniform() < 0.3 ? 0 : Number((random.uniform() * 4).toFixed(3));
    const lr = 10 ** (-2.5 + random.uniform() * 2);
    const params: Record<string, number | string | boolean> = {
      model,
      dp: privateRun,
      noise: privateRun ? noise : 0,
      clip: privateRun ? Number((0.5 + random.uniform() * 1.5).toFixed(2)) : 0,
      fairWeight,
      lr,
      epochs: 5 + random.integer(11),
    };
    const durationSeconds = 4 + random.uniform() * 40;
    if (number % 13 === 5) {
      trials.push({
        number,
        state: "failed",
        params,
        onPareto: false,
        error: `training diverged at step ${100 + random.integer(900)}: loss is NaN (lr ${lr.toExponential(1)})`,
        durationSeconds,
      });
      continue;
    }
    if (number === count) {
      trials.push({ number, state: "running", params, onPareto: false, durationSeconds });
      continue;
    }
    const epsilon = privateRun
      ? (2.2 / noise ** 1.6) * (1 + random.uniform()) * (model === "logreg" ? 1 : 1.3)
      : Number.POSITIVE_INFINITY;
    const privacyCost = privateRun ? 0.035 / (1 + epsilon) : 0;
    const accuracy =
      0.852 - (model === "logreg" ? 0.005 : 0) - privacyCost - fairWeight * 0.006 - random.uniform() * 0.02;
    const dpDifference = Math.max(
      0.004,
      0.19 * Math.exp(-fairWeight * 0.7) + (random.uniform() - 0.5) * 0.03,
    );
    trials.push({
      number,
      state: "complete",
      params,
      validation: metricsFor(accuracy, epsilon, dpDifference, 1),
      onPareto: false,
      durationSeconds,
    });
  }

  const complete = trials.filter((trial) => trial.state === "complete");
  const objectives = (trial: ReportTrial) => {
    const n = trial.validation!.normalised!;
    return [n.e, n.p, n.u];
  };
  for (const trial of complete) {
    trial.onPareto = !complete.some(
      (other) => other !== trial && dominates(objectives(other), objectives(trial)),
    );
    if (trial.onPareto) {
      const v = trial.validation!;
      const drift = () => (random.uniform() - 0.5) * 0.01;
      trial.test = metricsFor(v.accuracy + drift(), v.epsilon, Math.max(0, v.dpDifference + drift()), 3);
    }
  }

  // Monte Carlo hypervolume of the validation front after each trial (reference point (1, 1, 1)).
  const samples = Array.from({ length: 20000 }, () => [random.uniform(), random.uniform(), random.uniform()]);
  const dominated = new Uint8Array(samples.length);
  let dominatedCount = 0;
  const hypervolumeHistory: ReportData["hypervolumeHistory"] = [];
  for (const trial of trials) {
    if (trial.state === "complete") {
      const point = objectives(trial);
      samples.forEach((sample, index) => {
        if (!dominated[index] && point.every((value, k) => value <= sample[k])) {
          dominated[index] = 1;
          dominatedCount++;
        }
      });
    }
    if (trial.state !== "running")
      hypervolumeHistory.push({ trial: trial.number, hypervolume: dominatedCount / samples.length });
  }
  const finalValidation =
    hypervolumeHistory.length > 0 ? hypervolumeHistory[hypervolumeHistory.length - 1].hypervolume : 0;

  return {
    title: "Adult: accuracy × privacy × fairness",
    dataset: {
      name: "adult",
      rows: { train: 25_170, validation: 4_992, test: 15_060 },
      features: 104,
      target: "income",
      sensitive: ["sex", "race"],
    },
    settings: {
      objectives: ["accuracy", "epsilon", "dp"],
      constraints: ["epsilon<=8"],
      strategy: "bo",
      budget: count,
      seed: 0,
      workers: 2,
      backend: "wasm",
      delta: 1e-5,
    },
    privacyNotes: [
      "Hyper-parameters were chosen on the validation split; the test split was used once per Pareto trial, after the search.",
      "Epsilon counts the DP-SGD training run only; hyper-parameter search itself is not private and is not counted.",
      "The preprocessing (standardisation, one-hot encoding) was fitted on the training split only.",
    ],
    trials,
    hypervolumeHistory,
    finalHypervolume: { validation: finalValidation, test: finalValidation * 0.97 },
    reference: REFERENCE,
  };
}
