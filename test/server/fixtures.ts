/**
 * Explorer-shaped studies for the server's tests and benchmark, written through the
 * study store without training anything: each trial's metrics are those of a
 * seeded random classifier on seeded labels and groups (computed by the explorer's
 * own `splitMetrics`), so every number in them is a real metric of real
 * predictions, consistent with its per-group counts, in milliseconds per trial.
 */
import { createRandom } from "../../src/common/rng.js";
import type { SensitiveAttribute } from "../../src/data/index.js";
import { normaliseObjective, type ObjectiveName } from "../../src/explore/objectives.js";
import { explorerSpace, recipeOf } from "../../src/explore/space.js";
import type { ExplorerMetadata } from "../../src/explore/summary.js";
import {
  encodeModelMetrics as encodeSplitMetrics,
  majorityAccuracy,
  type ModelMetrics as SplitMetrics,
  modelMetrics as splitMetrics,
} from "../../src/fit/metrics.js";
import { privacyCostOfTrial } from "../../src/interplay/cost.js";
import { RandomSearch, Study } from "../../src/search/index.js";

interface SplitData {
  y: Float32Array;
  sensitive: SensitiveAttribute[];
}

function makeSplit(rows: number, seed: number): SplitData {
  const random = createRandom(seed);
  const y = new Float32Array(rows);
  const sex = new Int32Array(rows);
  const race = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    sex[i] = random.uniform() < 0.33 ? 0 : 1;
    race[i] = Math.min(4, Math.floor(-Math.log(random.uniform() + 1e-12) * 1.2));
    y[i] = random.uniform() < (sex[i] === 1 ? 0.3 : 0.11) ? 1 : 0;
  }
  return {
    y,
    sensitive: [
      { name: "sex", categories: ["Female", "Male"], codes: sex },
      {
        name: "race",
        categories: ["White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"],
        codes: race,
      },
    ],
  };
}

/** Predictions that agree with the label with probability `skill`, more often positive for group 1 by `bias`. */
function predictions(split: SplitData, skill: number, bias: number, seed: number): Int32Array {
  const random = createRandom(seed);
  const out = new Int32Array(split.y.length);
  const sex = split.sensitive[0].codes;
  for (let i = 0; i < out.length; i++) {
    const right = random.uniform() < skill;
    let label = right ? split.y[i] : 1 - split.y[i];
    if (label === 0 && sex[i] === 1 && random.uniform() < bias) label = 1;
    out[i] = label;
  }
  return out;
}

export interface FixtureOptions {
  trials: number;
  seed?: number;
  /** Rows of the validation and test splits (default 1,500 and 3,000). */
  rows?: { validation: number; test: number };
  objectives?: ObjectiveName[];
  /** Leave the last trial running (claimed, not finished). */
  leaveRunning?: boolean;
  /**
   * Store with each private trial its cost of privacy by group against a matched
   * non-private model (interplay/cost.ts), as the explorer's interplay levers do.
   */
  privacyCost?: boolean;
  /**
   * The data set the study says it ran on (default: "fixture", which no server has);
   * `trainRows` also sizes the space's batch and epoch ranges.
   */
  dataset?: {
    name: string;
    target: string | null;
    positive: string | null;
    sensitive: string[];
    primarySensitive: string;
    trainRows: number;
  };
}

/**
 * A fixture study's options on the bundled German credit data (a data set every server
 * has, so its trials can be retrained): 560 training rows, sensitive sex.
 */
export const GERMAN_CREDIT_FIXTURE: Pick<FixtureOptions, "rows" | "dataset"> = {
  rows: { validation: 200, test: 300 },
  dataset: {
    name: "german-credit",
    target: "class",
    positive: "good",
    sensitive: ["sex"],
    primarySensitive: "sex",
    trainRows: 560,
  },
};

/** Writes an explorer study with `trials` finished trials at `path` (a new file). */
export async function writeExplorerStudy(path: string, options: FixtureOptions): Promise<void> {
  const seed = options.seed ?? 1;
  const objectives = options.objectives ?? ["accuracy", "epsilon", "dp"];
  const rows = options.rows ?? { validation: 1500, test: 3000 };
  const trainRows = options.dataset?.trainRows ?? 20_000;
  const validation = makeSplit(rows.validation, seed);
  const test = makeSplit(rows.test, seed + 1);
  const score = (split: SplitData, predicted: Int32Array, epsilon: number) =>
    splitMetrics(split.y, predicted, split.sensitive, 0, epsilon);
  const referenceValidation = score(
    validation,
    predictions(validation, 0.84, 0.05, seed + 2),
    Number.POSITIVE_INFINITY,
  );
  const referenceTest = score(test, predictions(test, 0.84, 0.05, seed + 3), Number.POSITIVE_INFINITY);
  const basis = (metrics: SplitMetrics, split: SplitData) => ({
    majorityAccuracy: majorityAccuracy(split.y),
    referenceGaps: { dp: metrics.dpDifference, eo: metrics.eoDifference, eop: metrics.eopDifference },
  });
  const metadata: ExplorerMetadata = {
    kind: "equipoise-explorer",
    dataset: options.dataset?.name ?? "fixture",
    target: options.dataset ? options.dataset.target : "income",
    positive: options.dataset ? options.dataset.positive : ">50K",
    sensitive: options.dataset?.sensitive ?? ["sex", "race"],
    primarySensitive: options.dataset?.primarySensitive ?? "sex",
    rows: { train: trainRows, validation: rows.validation, test: rows.test },
    features: 104,
    validationFraction: 0.2,
    splitSeed: 0,
    validationSeed: seed,
    fingerprint: "fixture",
    delta: 1e-5,
    accountant: "rdp",
    reference: {
      validation: encodeSplitMetrics(referenceValidation),
      test: encodeSplitMetrics(referenceTest),
      basis: { validation: basis(referenceValidation, validation), test: basis(referenceTest, test) },
    },
  };
  const space = explorerSpace(
    { trainRows, minorityShare: 0.25 },
    {
      // DP a lever (the "mixed" space), so the fixture has private and non-private trials.
      privacy: { kind: "mixed", epsilonLow: 0.1 },
      classWeighting: false,
    },
  );
  const study = await Study.open(path, {
    space,
    objectives: objectives.map((name) => ({ name, direction: "minimize" as const })),
    strategy: "random",
    seed,
    strategyOptions: { referencePoint: objectives.map(() => 1) },
    metadata: metadata as unknown as Record<string, unknown>,
  });
  const search = new RandomSearch(space, { seed, numObjectives: objectives.length, numConstraints: 0 });
  const worker = { id: "fixture:1", host: "fixture", pid: 1 };
  await study.store.registerWorker(worker, { staleAfterMs: 60_000 });
  const random = createRandom(seed + 4);
  /** The matched model: the same recipe without DP, here a slightly more skilful classifier. */
  const matchedCost = (v: SplitMetrics, t: SplitMetrics, skill: number, bias: number, s: number) => {
    const matchedSkill = Math.min(0.95, skill + 0.05);
    const mv = score(
      validation,
      predictions(validation, matchedSkill, bias, s + 500),
      Number.POSITIVE_INFINITY,
    );
    const mt = score(test, predictions(test, matchedSkill, bias, s + 501), Number.POSITIVE_INFINITY);
    return {
      validation: privacyCostOfTrial(v, mv, "sex"),
      test: privacyCostOfTrial(t, mt, "sex"),
      matched: { validation: encodeSplitMetrics(mv), test: encodeSplitMetrics(mt) },
      notCoveredByEpsilon: "the matched model's metrics are not covered by ε",
    };
  };
  for (let n = 0; n < options.trials; n++) {
    const claim = await study.store.claimTrial({
      workerId: worker.id,
      budget: options.trials,
      maxAttempts: 2,
      staleAfterMs: 60_000,
      propose: () => search.ask(1)[0],
    });
    if (!claim) break;
    if (options.leaveRunning && n === options.trials - 1) break;
    const recipe = recipeOf(claim.config);
    const epsilon = recipe.dp ? (recipe.targetEpsilon ?? 1) : Number.POSITIVE_INFINITY;
    const skill = 0.6 + 0.25 * random.uniform();
    const bias = 0.3 * random.uniform();
    const v = score(validation, predictions(validation, skill, bias, seed + 10 + 2 * n), epsilon);
    const t = score(test, predictions(test, skill, bias, seed + 11 + 2 * n), epsilon);
    await study.store.finishTrial(claim.id, worker.id, {
      state: "complete",
      startedAt: Date.now() - 1000,
      objectives: objectives.map((name) => normaliseObjective(name, v, metadata.reference.basis.validation)),
      metrics: {
        validation: encodeSplitMetrics(v),
        test: encodeSplitMetrics(t),
        recipe,
        privacy: recipe.dp
          ? {
              epsilon,
              targetEpsilon: recipe.targetEpsilon,
              sampleRate: 0.01,
              steps: 300,
              delta: 1e-5,
              accountant: "rdp",
            }
          : null,
        trainSeconds: 1,
        ...(options.privacyCost && recipe.dp
          ? { privacyCost: matchedCost(v, t, skill, bias, seed + n) }
          : {}),
      },
    });
  }
  await study.store.unregisterWorker(worker.id);
  await study.close();
}
