import assert from "node:assert/strict";
import { test } from "node:test";
import { attributeColumns, attributeInference } from "../../src/audit/attacks/attribute.js";
import { liraScores } from "../../src/audit/attacks/lira.js";
import { rmiaScores } from "../../src/audit/attacks/rmia.js";
import type { ShadowSignals } from "../../src/audit/attacks/signals.js";
import { crossEntropyOf, labelProbability, logitScaledConfidence } from "../../src/audit/signal.js";
import { RankedScores } from "../../src/audit/statistics/roc.js";
import { isUserError } from "../../src/common/errors.js";
import { createRandom, type Random } from "../../src/common/rng.js";
import { normalCdf } from "../../src/math/normal.js";

test("φ is exact at extreme logits: binary, and softmax through logsumexp over the other classes", () => {
  // Binary: φ = z·(2y − 1), even where σ(z) rounds to 1 in float64.
  assert.deepEqual(Array.from(logitScaledConfidence([40, 40, -745], [1, 0, 0], 1)), [40, -40, 745]);
  // Softmax [1000, 0, -1000], y = 0: 1 − p_0 = (e^0 + e^−1000)/Σ, φ = 1000 − log(1 + e^−1000) = 1000.
  const [a, b, c] = logitScaledConfidence([1000, 0, -1000, 1000, 0, -1000, 5, 5, 5], [0, 1, 2], 3);
  assert.equal(a, 1000);
  // y = 1: φ = 0 − (1000 + log(1 + e^−2000)) = −1000.
  assert.equal(b, -1000);
  // Three equal logits: p = ⅓, φ = log(½) exactly.
  assert.ok(Math.abs(c - Math.log(0.5)) < 1e-15);
  // Two classes through softmax agree with the binary form: φ = z_y − z_other.
  const softmax = logitScaledConfidence([3.5, -1.25], [0], 2)[0];
  assert.equal(softmax, 4.75);
  // p_y and the loss follow from φ without overflow.
  assert.equal(labelProbability(-800), 0);
  assert.equal(labelProbability(800), 1);
  assert.ok(Math.abs(crossEntropyOf(-800) - 800) < 1e-12);
  assert.ok(Math.abs(crossEntropyOf(0) - Math.LN2) < 1e-15);
  assert.ok(Math.abs(crossEntropyOf(40) - Math.exp(-40)) < 1e-30);
  assert.throws(() => logitScaledConfidence([0, 0], [2], 2), /class index/);
});

/**
 * A known world for the signal-level attacks: each candidate i has its own difficulty
 * μᵢ ~ N(0, τ²); a model's φ(xᵢ) is N(μᵢ + d·[trained on xᵢ], σ²). The best possible test
 * for one candidate is the likelihood ratio of two Gaussians with equal variance, whose
 * AUC is Φ(d / (σ√2)); the loss attack ignores μᵢ and reaches Φ(d / √(2(σ² + τ²))).
 */
function gaussianWorld(random: Random, n: number, shadows: number, d: number, sigma: number, tau: number) {
  const mu = Float64Array.from({ length: n }, () => tau * random.normal());
  const draw = (i: number, member: boolean) => mu[i] + (member ? d : 0) + sigma * random.normal();
  const isMember = Uint8Array.from({ length: n }, () => (random.uniform() < 0.5 ? 1 : 0));
  const target = Float64Array.from({ length: n }, (_, i) => draw(i, Boolean(isMember[i])));
  const signals: ShadowSignals = { phi: [], inTraining: [] };
  for (let s = 0; s < shadows; s++) {
    const inside = Uint8Array.from({ length: n }, () => (random.uniform() < 0.5 ? 1 : 0));
    signals.inTraining.push(inside);
    signals.phi.push(Float64Array.from({ length: n }, (_, i) => draw(i, Boolean(inside[i]))));
  }
  return { mu, isMember, target, signals, draw };
}

test("LiRA reaches the Bayes-optimal AUC of a known Gaussian world; the loss attack the closed form that ignores difficulty", () => {
  const random = createRandom(21);
  const [d, sigma, tau] = [1, 1, 3];
  const world = gaussianWorld(random, 6000, 64, d, sigma, tau);
  const auc = (scores: ArrayLike<number>) => new RankedScores(scores, world.isMember).auc();
  const optimal = normalCdf(d / (sigma * Math.SQRT2));
  const loss = normalCdf(d / Math.sqrt(2 * (sigma * sigma + tau * tau)));
  // Standard error of an AUC on 6000 candidates ≈ 0.006.
  assert.ok(Math.abs(auc(world.target) - loss) < 0.02, `loss AUC ${auc(world.target)} vs ${loss}`);
  const online = auc(liraScores(world.target, world.signals, { online: true }));
  const offline = auc(liraScores(world.target, world.signals, { online: false }));
  assert.ok(Math.abs(online - optimal) < 0.02, `online ${online} vs optimal ${optimal}`);
  // Offline sees only the OUT fit; its one-sided test is still optimal here (a mean shift).
  assert.ok(Math.abs(offline - optimal) < 0.02, `offline ${offline} vs optimal ${optimal}`);
  const global = auc(liraScores(world.target, world.signals, { online: true, variance: "global" }));
  assert.ok(Math.abs(global - optimal) < 0.02);
});

test("LiRA with few shadows falls back to the pooled variance and to the mean IN − OUT gap, and still beats the loss attack", () => {
  const random = createRandom(4);
  const world = gaussianWorld(random, 3000, 4, 1, 1, 3);
  // With 4 shadows, 1/16 of the candidates have no IN shadow, 1/16 no OUT one, and a quarter only one of a kind.
  const scores = liraScores(world.target, world.signals, { online: true });
  assert.ok(scores.every(Number.isFinite));
  const ranked = (s: ArrayLike<number>) => new RankedScores(s, world.isMember).auc();
  assert.ok(
    ranked(scores) > ranked(world.target) + 0.05,
    `${ranked(scores)} vs loss ${ranked(world.target)}`,
  );
  assert.throws(
    () =>
      liraScores(
        world.target,
        { phi: [world.signals.phi[0]], inTraining: [world.signals.inTraining[0]] },
        { online: true },
      ),
    (error) => isUserError(error) && /at least 2 shadow models/.test(String(error)),
  );
});

test("RMIA scores are the share of population samples dominated, as a brute-force count over pairs gives", () => {
  const random = createRandom(8);
  const [d, sigma, tau] = [1, 1, 3];
  const world = gaussianWorld(random, 800, 8, d, sigma, tau);
  // Population rows: never trained on by any model.
  const z = 500;
  const zMu = Float64Array.from({ length: z }, () => tau * random.normal());
  const population = {
    target: Float64Array.from(zMu, (m) => m + sigma * random.normal()),
    shadows: world.signals.phi.map(() => Float64Array.from(zMu, (m) => m + sigma * random.normal())),
  };
  const result = rmiaScores(world.target, world.signals, population, { online: true, offlineA: 0.5 });
  // Brute force with the same definitions.
  const p = labelProbability;
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const pz = population.target.map((v, j) => {
    const out = mean(population.shadows.map((s) => p(s[j])));
    return p(v) / (0.5 * (1.5 * out + 0.5));
  });
  for (let i = 0; i < 50; i++) {
    const ins = world.signals.phi.filter((_, s) => world.signals.inTraining[s][i]).map((s) => p(s[i]));
    const outs = world.signals.phi.filter((_, s) => !world.signals.inTraining[s][i]).map((s) => p(s[i]));
    const px =
      ins.length > 0 && outs.length > 0 ? 0.5 * (mean(ins) + mean(outs)) : 0.5 * (1.5 * mean(outs) + 0.5);
    const ratio = p(world.target[i]) / px;
    let dominated = 0;
    for (const r of pz) if (ratio / r >= 1) dominated++;
    assert.ok(Math.abs(result.scores[i] - dominated / z) < 1e-12, `candidate ${i}`);
  }
  assert.equal(result.populationSize, z);
});

test("RMIA with 8 reference models is far stronger than the loss attack on a world where difficulty varies", () => {
  const random = createRandom(12);
  const world = gaussianWorld(random, 4000, 8, 1, 1, 3);
  const z = 3000;
  const zMu = Float64Array.from({ length: z }, () => 3 * random.normal());
  const population = {
    target: Float64Array.from(zMu, (m) => m + random.normal()),
    shadows: world.signals.phi.map(() => Float64Array.from(zMu, (m) => m + random.normal())),
  };
  const auc = (s: ArrayLike<number>) => new RankedScores(s, world.isMember).auc();
  const online = rmiaScores(world.target, world.signals, population, { online: true });
  const offline = rmiaScores(world.target, world.signals, population, { online: false });
  assert.ok(online.offlineA >= 0 && online.offlineA <= 1);
  assert.ok(
    auc(online.scores) > auc(world.target) + 0.1,
    `RMIA ${auc(online.scores)}, loss ${auc(world.target)}`,
  );
  assert.ok(auc(offline.scores) > auc(world.target) + 0.05);
  assert.throws(() => rmiaScores(world.target, world.signals, undefined, { online: true }), /population/);
});

test("attribute inference: a feature that encodes the attribute is hidden; an attribute the model's output reveals is found from the output", () => {
  const random = createRandom(30);
  const n = 1200;
  const sex = Int32Array.from({ length: n }, () => (random.uniform() < 0.6 ? 1 : 0));
  // Features: [sex=Female, sex=Male, noise]: the attribute's own one-hot columns and one unrelated column.
  const cols = 3;
  const data = new Float32Array(n * cols);
  for (let i = 0; i < n; i++) {
    data[i * cols + sex[i]] = 1;
    data[i * cols + 2] = random.normal();
  }
  const featureNames = ["sex=Female", "sex=Male", "age"];
  assert.deepEqual(attributeColumns(featureNames, "sex"), [0, 1]);
  assert.deepEqual(attributeColumns(["sexuality", "sex"], "sex"), [1]);
  // A model whose logit depends on the attribute: the output reveals it.
  const logits = Float32Array.from({ length: n }, (_, i) => 2 * sex[i] - 1 + 0.3 * random.normal());
  const labels = Float32Array.from({ length: n }, () => (random.uniform() < 0.5 ? 1 : 0));
  const phi = logitScaledConfidence(logits, labels, 1);
  const result = attributeInference({
    features: { rows: n, cols, data },
    featureNames,
    logits,
    outputs: 1,
    phi,
    attribute: { name: "sex", categories: ["Female", "Male"], codes: sex },
    isMember: Uint8Array.from({ length: n }, (_, i) => i % 2),
    seed: 1,
  });
  assert.deepEqual(result.hiddenFeatures, ["sex=Female", "sex=Male"]);
  const accuracy = (name: string) => {
    const a = result.attackers.find((x) => x.attacker === name)!;
    return (a.members.successes + a.nonMembers.successes) / (a.members.trials + a.nonMembers.trials);
  };
  // Majority: 60 %; features alone (only noise left): no better; output: nearly perfect.
  assert.ok(Math.abs(accuracy("majority") - 0.6) < 0.05);
  assert.ok(accuracy("features") < 0.66, `features ${accuracy("features")}`);
  assert.ok(accuracy("output") > 0.95, `output ${accuracy("output")}`);
  assert.ok(accuracy("both") > 0.95);
  for (const a of result.attackers) assert.equal(a.members.trials + a.nonMembers.trials, n);
});
