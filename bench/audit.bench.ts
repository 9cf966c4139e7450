/**
 * The privacy audit on the issue's protocol (issue 11): a pool of 4,000 Adult training
 * rows; a target and K shadows, each on a random 2,000; MLP 104-64-64 (one logit);
 * non-private: Adam lr 1e-3, batch 128, 100 epochs, no weight decay, constant rate;
 * DP: SGD lr 0.5, Poisson sampling at expected batch 250 (q = 0.125), 30 epochs,
 * C = 1, δ = 1e-5, σ calibrated by RDP for ε = 1 or 8. All 4,000 pool rows are
 * candidates; RMIA's population is 10,000 other training rows.
 *
 *   node --import tsx bench/audit.bench.ts [--only engines|protocol|dp|canaries] [--seeds N] [--first-seed S] [--shadows K]
 *
 * Sections:
 *  - engines: seconds per model of K shadows trained in one thread, in worker threads
 *    (one per core), and — for the SGD recipe, the only one it batches — as one
 *    K-models-at-once ensemble (fitRecipes);
 *  - protocol: the non-private target attacked by loss, LiRA online/offline (K = 64 and
 *    16), RMIA (K = 8), attribute inference of sex; per-group figures by sex;
 *  - dp: DP targets at ε = 1 (LiRA online) and ε = 8 (LiRA offline), K = 64;
 *  - canaries: the one-run audit of a DP-SGD run at ε = 8.
 */
import { availableParallelism } from "node:os";
import {
  type AuditTask,
  canaryAudit,
  experimentAttackInput,
  experimentSignals,
  runAttacks,
} from "../src/audit/index.js";
import { prepareTask } from "../src/data/index.js";
import { fitRecipe, fitRecipes, type RecipeInput } from "../src/fit/index.js";
import { initBackend } from "../src/nn/index.js";
import { writeResults } from "./machine.js";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const only = flag("only");
const seeds = Number(flag("seeds") ?? 1);
/** The first seed of the protocol's runs (another seed can run later and be recorded apart). */
const firstSeed = Number(flag("first-seed") ?? 0);
const shadowCount = Number(flag("shadows") ?? 64);
const wants = (section: string) => only === undefined || only === section;

await initBackend("wasm");
const task = await prepareTask({ data: "adult", sensitive: ["sex"] });
const audit: AuditTask = {
  name: task.name,
  train: task.train,
  numClasses: task.numClasses,
  inputShape: [task.train.X.cols],
  featureNames: task.featureNames,
};

const nonPrivate: RecipeInput = {
  model: "mlp:64,64",
  optimizer: { kind: "adam", learningRate: 1e-3, schedule: "constant" },
  batchSize: 128,
  epochs: 100,
};
const dp = (epsilon: number): RecipeInput => ({
  model: "mlp:64,64",
  optimizer: { kind: "sgd", learningRate: 0.5, schedule: "constant" },
  batchSize: 250,
  epochs: 30,
  privacy: { targetEpsilon: epsilon, clip: 1, delta: 1e-5 },
});
const results: Record<string, unknown> = {};
const cpuSeconds = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};
const round = (v: number, digits = 4) => Number(v.toFixed(digits));

async function timeEngine(
  label: string,
  recipe: RecipeInput,
  k: number,
  engine: "serial" | "workers",
): Promise<Record<string, unknown>> {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const signals = await experimentSignals(audit, {
    recipe,
    pool: 4000,
    shadows: k - 1,
    seed: 100,
    attacks: ["loss"],
    engine,
    workers: availableParallelism(),
  });
  const seconds = (performance.now() - wall) / 1000;
  const row = {
    label,
    engine: engine === "workers" ? `workers (${availableParallelism()})` : "serial (1 thread)",
    models: k,
    seconds: round(seconds, 1),
    secondsPerModel: round(seconds / k, 2),
    processCpuSeconds: round(cpuSeconds(cpu), 1),
    trainingSeconds: round(signals.trainingSeconds, 1),
  };
  console.log(JSON.stringify(row));
  return row;
}

if (wants("engines")) {
  const k = Number(flag("engine-models") ?? 8);
  const rows: Record<string, unknown>[] = [];
  for (const engine of ["serial", "workers"] as const)
    rows.push(await timeEngine("non-private (Adam)", nonPrivate, k, engine));
  // The SGD recipe: the ensemble batches it. fitRecipes fits recipes to the same rows, so the
  // ensemble is timed on one 2,000-row half for every member (the cost does not depend on which rows).
  const sgd: RecipeInput = {
    ...nonPrivate,
    optimizer: { kind: "sgd", learningRate: 0.1, schedule: "constant" },
  };
  for (const engine of ["serial", "workers"] as const)
    rows.push(await timeEngine("non-private (SGD)", sgd, k, engine));
  const half = { ...task.train, X: { ...task.train.X, rows: 2000 }, y: task.train.y.subarray(0, 2000) };
  const data = { train: half, numClasses: 2, inputShape: [task.train.X.cols] };
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const fitted = fitRecipes(
    Array.from({ length: k }, (_, s) => ({ ...sgd, seed: s })),
    data,
  );
  const seconds = (performance.now() - wall) / 1000;
  for (const f of fitted) f.model.dispose();
  const ensemble = {
    label: "non-private (SGD)",
    engine: "ensemble (fitRecipes, 1 thread)",
    models: k,
    seconds: round(seconds, 1),
    secondsPerModel: round(seconds / k, 2),
    processCpuSeconds: round(cpuSeconds(cpu), 1),
  };
  console.log(JSON.stringify(ensemble));
  rows.push(ensemble);
  // One model alone, for where the time goes (steps per second of the protocol recipe).
  const one = performance.now();
  const single = fitRecipe({ ...nonPrivate, seed: 1 }, data);
  single.model.dispose();
  rows.push({
    label: "one non-private model (Adam), this thread",
    seconds: round((performance.now() - one) / 1000, 1),
    steps: single.training.steps,
    millisecondsPerStep: round(((performance.now() - one) / single.training.steps) * 1, 3),
  });
  console.log(JSON.stringify(rows[rows.length - 1]));
  results.engines = rows;
}

function summary(findings: ReturnType<typeof runAttacks>) {
  return findings.attacks.map((a) => ({
    attack: a.label,
    auc: { value: round(a.auc.value), lo: round(a.auc.lo), hi: round(a.auc.hi) },
    tprAt0_1: round(a.tprAtFpr[0].value),
    tprAt0_1Ci: [round(a.tprAtFpr[0].lo), round(a.tprAtFpr[0].hi)],
    tprAt1: round(a.tprAtFpr[1].value),
    tprAt1Ci: [round(a.tprAtFpr[1].lo), round(a.tprAtFpr[1].hi)],
    epsilonLowerBound: round(a.epsilonLowerBound.value, 3),
    boundGuesses: a.epsilonLowerBound.guesses,
    advantage: round(a.advantage.value, 3),
    bySex: a.perGroup[0]?.groups.map((g) => ({
      group: g.group,
      auc: round(g.auc.value),
      lo: round(g.auc.lo),
      hi: round(g.auc.hi),
      members: g.members,
      nonMembers: g.nonMembers,
    })),
    gap: a.perGroup[0]?.gap,
  }));
}

if (wants("protocol")) {
  const runs: unknown[] = [];
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    const wall = performance.now();
    const signals = await experimentSignals(audit, {
      recipe: nonPrivate,
      pool: 4000,
      shadows: shadowCount,
      seed,
      attacks: ["rmia"],
      engine: "workers",
      onProgress: (done, total, s) => {
        if (done % 8 === 0 || done === total)
          console.log(`protocol seed ${seed}: ${done}/${total} models, ${s.toFixed(0)} s`);
      },
    });
    const input = (k: number) => experimentAttackInput(audit, signals, { seed, shadows: k });
    const full = runAttacks(["loss", "lira", "lira-offline", "attribute"], input(shadowCount));
    const sixteen = runAttacks(["lira"], input(Math.min(16, shadowCount)));
    const eight = runAttacks(["rmia", "lira"], input(Math.min(8, shadowCount)));
    const run = {
      seed,
      models: shadowCount + 1,
      trainingSeconds: round(signals.trainingSeconds, 1),
      wallSeconds: round((performance.now() - wall) / 1000, 1),
      attacks: [...summary(full), ...summary(sixteen), ...summary(eight)],
      attribute: full.attribute?.attackers.map((a) => ({
        attacker: a.attacker,
        members: round(a.members.value),
        nonMembers: round(a.nonMembers.value),
        membersCi: [round(a.members.lo), round(a.members.hi)],
      })),
    };
    console.log(JSON.stringify(run));
    runs.push(run);
  }
  results.protocol = runs;
}

if (wants("dp")) {
  const runs: unknown[] = [];
  for (const [epsilon, attack] of [
    [1, "lira"],
    [8, "lira-offline"],
  ] as const) {
    for (let seed = 0; seed < seeds; seed++) {
      const signals = await experimentSignals(audit, {
        recipe: dp(epsilon),
        pool: 4000,
        shadows: shadowCount,
        seed,
        attacks: [attack],
        engine: "workers",
      });
      const findings = runAttacks(["loss", attack], experimentAttackInput(audit, signals, { seed }));
      const run = {
        epsilon,
        accountantEpsilon: round(signals.target.epsilon, 3),
        seed,
        trainingSeconds: round(signals.trainingSeconds, 1),
        attacks: summary(findings),
      };
      console.log(JSON.stringify(run));
      runs.push(run);
    }
  }
  results.dp = runs;
}

if (wants("canaries")) {
  const runs: unknown[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    for (const canaries of [1000, 5000]) {
      for (const design of ["random-inputs", "mislabelled"] as const) {
        const doc = canaryAudit(audit, { recipe: dp(8), canaries, rows: 2000, seed, design });
        const c = doc.canaries!;
        const run = {
          seed,
          canaries,
          design,
          accountantEpsilon: round(doc.target.epsilon, 3),
          lowerBound: round(c.epsilonLowerBound, 3),
          correct: c.correct,
          guesses: c.guesses,
          seconds: round(c.seconds, 1),
        };
        console.log(JSON.stringify(run));
        runs.push(run);
      }
    }
  }
  results.canaries = runs;
}

const suffix = firstSeed > 0 ? `-from-seed-${firstSeed}` : "";
console.log(`results: ${writeResults(only ? `audit-${only}${suffix}` : `audit${suffix}`, results)}`);
