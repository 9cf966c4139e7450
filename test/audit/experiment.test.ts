import assert from "node:assert/strict";
import { before, test } from "node:test";
import {
  type AuditTask,
  canaryAudit,
  membershipExperiment,
  membershipRisk,
  parseAuditDocument,
} from "../../src/audit/index.js";
import { isUserError } from "../../src/common/errors.js";
import { toJson } from "../../src/common/json.js";
import { createRandom } from "../../src/common/rng.js";
import { type PreparedTask, prepareTask } from "../../src/data/index.js";
import { fitRecipe } from "../../src/fit/index.js";
import { initBackend } from "../../src/nn/index.js";

let task: PreparedTask;
let audit: AuditTask;
before(async () => {
  await initBackend("wasm");
  task = await prepareTask({ data: "synthetic", sensitive: ["group"] });
  audit = {
    name: task.name,
    train: task.train,
    numClasses: task.numClasses,
    inputShape: [task.train.X.cols],
    featureNames: task.featureNames,
  };
});

/** An MLP that memorises 50 rows with noisy labels: 200 full-batch Adam steps. */
const overfit = {
  model: "mlp:32,32",
  optimizer: { kind: "adam", learningRate: 0.03, schedule: "constant" },
  epochs: 200,
  batchSize: 128,
} as const;

test("an overfit model on a small synthetic set leaks: every attack's AUC interval lies above ½ and the loss attack proves ε > 0", async () => {
  const doc = await membershipExperiment(audit, {
    recipe: overfit,
    pool: 100,
    shadows: 6,
    seed: 1,
    attacks: ["loss", "lira", "lira-offline", "rmia", "attribute"],
    population: 400,
    engine: "serial",
    bootstrapReplicates: 200,
  });
  assert.equal(doc.setup.candidates, 100);
  assert.equal(doc.setup.members, 50);
  for (const attack of doc.attacks) {
    // The 95 % interval excludes ½ (no leakage) for every attack.
    assert.ok(
      attack.auc.lo > 0.5 && attack.auc.value > 0.6,
      `${attack.label}: AUC ${attack.auc.value} [${attack.auc.lo}, ${attack.auc.hi}]`,
    );
    assert.ok(attack.auc.lo <= attack.auc.value && attack.auc.value <= attack.auc.hi);
    assert.equal(attack.perGroup[0].attribute, "group");
  }
  const loss = doc.attacks.find((a) => a.attack === "loss")!;
  assert.ok(loss.epsilonLowerBound.positive, `loss ε bound ${JSON.stringify(loss.epsilonLowerBound)}`);
  assert.equal(doc.verdict.accountantEpsilon, Number.POSITIVE_INFINITY);
  assert.equal(doc.verdict.failed, false);
  assert.ok(doc.verdict.lowerBound > 0);
  assert.ok(doc.attribute && doc.attribute.attackers.length === 4);
  // The document survives its own JSON convention (∞ as "Infinity", NaN as null) and schema.
  const back = parseAuditDocument(JSON.parse(toJson(doc)));
  assert.equal(back.verdict.accountantEpsilon, Number.POSITIVE_INFINITY);
  assert.equal(back.attacks[0].auc.value, doc.attacks[0].auc.value);
});

test("a model trained with DP-SGD at ε = 0.5 leaks nothing beyond its bound, and the audit says so", async () => {
  const doc = await membershipExperiment(audit, {
    recipe: {
      model: "mlp:16",
      optimizer: { kind: "sgd", learningRate: 0.5, schedule: "constant" },
      epochs: 10,
      batchSize: 40,
      privacy: { targetEpsilon: 0.5, clip: 1 },
    },
    pool: 400,
    shadows: 4,
    seed: 2,
    attacks: ["loss", "lira", "lira-offline"],
    engine: "serial",
    bootstrapReplicates: 200,
  });
  assert.ok(doc.target.epsilon <= 0.5 + 1e-9 && doc.target.epsilon > 0.4, `ε ${doc.target.epsilon}`);
  for (const attack of doc.attacks) {
    assert.ok(
      attack.epsilonLowerBound.value <= doc.target.epsilon,
      `${attack.label} proves ${attack.epsilonLowerBound.value}`,
    );
    // With ε = 0.5 the best test has AUC ≤ e^ε/(1+e^ε) ≈ 0.62; these candidates are far from it.
    assert.ok(attack.auc.lo < 0.5 + 0.05, `${attack.label} AUC ${attack.auc.value}`);
  }
  assert.equal(doc.verdict.failed, false);
  assert.match(doc.verdict.message, /^consistent/);
});

test("bad input gets one clear line: too few shadows, a pool larger than the split, RMIA without population rows", async () => {
  const base = { recipe: { model: "logreg", epochs: 1 }, seed: 0, engine: "serial" as const };
  const rejects = async (options: Parameters<typeof membershipExperiment>[1], pattern: RegExp) =>
    assert.rejects(
      membershipExperiment(audit, options),
      (error) => isUserError(error) && pattern.test(String(error)),
    );
  await rejects(
    { ...base, pool: 100, shadows: 1, attacks: ["lira"] },
    /lira attack needs at least 2 shadow models/,
  );
  await rejects(
    { ...base, pool: 100_000, shadows: 2, attacks: ["loss"] },
    /--pool 100000 is larger than the training split/,
  );
  await rejects(
    { ...base, pool: task.train.X.rows, shadows: 2, attacks: ["rmia"] },
    /RMIA needs population rows/,
  );
  await rejects({ ...base, pool: 100, shadows: 2, attacks: ["lira", "magic"] }, /unknown attack 'magic'/);
});

test("worker threads train exactly what this thread trains", async () => {
  const options = {
    recipe: { model: "logreg", epochs: 3, batchSize: 32 },
    pool: 100,
    shadows: 3,
    seed: 5,
    attacks: ["lira"],
    bootstrapReplicates: 50,
  };
  const serial = await membershipExperiment(audit, { ...options, engine: "serial" });
  const workers = await membershipExperiment(audit, { ...options, engine: "workers", workers: 2 });
  assert.deepEqual(workers.attacks[0].roc, serial.attacks[0].roc);
  assert.equal(workers.attacks[0].auc.value, serial.attacks[0].auc.value);
});

test("the one-run canary audit: a non-private memorising model gives a positive bound; the document names the guesses", () => {
  const doc = canaryAudit(audit, {
    recipe: {
      model: "mlp:32",
      optimizer: { kind: "adam", learningRate: 0.02, schedule: "constant" },
      epochs: 150,
      batchSize: 128,
    },
    canaries: 200,
    rows: 200,
    seed: 3,
  });
  const c = doc.canaries!;
  assert.equal(c.canaries, 200);
  assert.equal(doc.setup.members, c.included);
  assert.ok(c.correct <= c.guesses);
  assert.ok(c.epsilonLowerBound > 0.2, `canary bound ${c.epsilonLowerBound} (${c.correct}/${c.guesses})`);
  assert.equal(doc.verdict.failed, false);
  // Under DP-SGD at ε = 1 the same canaries prove at most ε.
  const dp = canaryAudit(audit, {
    recipe: {
      model: "mlp:32",
      optimizer: { kind: "sgd", learningRate: 0.5, schedule: "constant" },
      epochs: 20,
      batchSize: 40,
      privacy: { targetEpsilon: 1, clip: 1 },
    },
    canaries: 200,
    rows: 200,
    seed: 3,
  });
  assert.ok(dp.canaries!.epsilonLowerBound <= dp.target.epsilon, `bound ${dp.canaries!.epsilonLowerBound}`);
  assert.equal(dp.verdict.failed, false);
  assert.throws(
    () => canaryAudit(audit, { recipe: { model: "logreg" }, canaries: 5, seed: 0 }),
    /--canaries/,
  );
});

test("membershipRisk: the loss-attack AUC of a trial's model costs no training; an overfit model scores above ½", () => {
  const small = { ...task.train, X: { ...task.train.X, rows: 60 }, y: task.train.y.subarray(0, 60) };
  const fit = fitRecipe(overfit, { train: small, numClasses: 2, inputShape: [task.train.X.cols] });
  try {
    const risk = membershipRisk(
      overfit,
      { train: small, holdout: task.test, numClasses: 2, inputShape: [task.train.X.cols] },
      { model: fit.model },
    );
    assert.equal(risk.modelsFitted, 0);
    assert.equal(risk.members, 60);
    assert.ok(risk.auc > 0.6, `AUC ${risk.auc}`);
    assert.match(risk.notCoveredByEpsilon, /NOT covered by epsilon/);
    // LiRA offline keeps half of the training rows out of the candidates for its shadows.
    const offline = membershipRisk(
      { ...overfit, epochs: 20 },
      { train: small, holdout: task.test, numClasses: 2, inputShape: [task.train.X.cols] },
      { model: fit.model, attack: "lira-offline", shadows: 2 },
    );
    assert.equal(offline.members, 30);
    assert.equal(offline.modelsFitted, 2);
    assert.ok(offline.auc >= 0 && offline.auc <= 1);
  } finally {
    fit.model.dispose();
  }
});

test("image models are audited through the same signals: a small CNN on 8×8 images", async () => {
  const rows = 60;
  const random = createRandom(9);
  const data = new Float32Array(rows * 64);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    y[i] = i % 3;
    for (let p = 0; p < 64; p++) data[i * 64 + p] = random.uniform() * 0.5 + (p % 3 === y[i] ? 0.5 : 0);
  }
  const images: AuditTask = {
    name: "images",
    train: { X: { rows, cols: 64, data }, y, sensitive: [] },
    numClasses: 3,
    inputShape: [8, 8, 1],
    featureNames: Array.from({ length: 64 }, (_, p) => `pixel${p}`),
  };
  const doc = await membershipExperiment(images, {
    recipe: { model: "cnn:2,2", epochs: 2, batchSize: 16 },
    pool: 40,
    shadows: 2,
    seed: 0,
    attacks: ["loss", "lira"],
    engine: "serial",
    bootstrapReplicates: 20,
  });
  assert.equal(doc.attacks.length, 2);
  for (const attack of doc.attacks) assert.ok(Number.isFinite(attack.auc.value));
});
