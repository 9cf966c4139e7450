import assert from "node:assert/strict";
import { test } from "node:test";
import {
  betaQuantile,
  binomialPmf,
  binomialUpperTail,
  regularizedIncompleteBeta,
} from "../../src/audit/statistics/beta.js";
import { bootstrapIntervals, quantile } from "../../src/audit/statistics/bootstrap.js";
import { clopperPearson } from "../../src/audit/statistics/clopper-pearson.js";
import { heldOutAnalysis, stratifiedHalves } from "../../src/audit/statistics/held-out.js";
import { oneRunAudit, oneRunEpsilonLowerBound, oneRunPValue } from "../../src/audit/statistics/one-run.js";
import { areaUnder, RankedScores, rocCurve, tprAtFprOf } from "../../src/audit/statistics/roc.js";
import { createRandom } from "../../src/common/rng.js";

const close = (actual: number, expected: number, rel: number, abs = 0) =>
  Math.abs(actual - expected) <= rel * Math.abs(expected) + abs;

test("regularised incomplete beta matches scipy.special.betainc (scipy 1.17.1)", () => {
  // [x, a, b, betainc(a, b, x)] computed with scipy on this machine kind.
  const table: [number, number, number, number][] = [
    [0.3, 2, 5, 0.5798250000000003],
    [0.5, 0.5, 0.5, 0.5000000000000001],
    [0.001, 1, 1000, 0.6323045752290359],
    [0.9, 50, 3, 0.09663328513725222],
    [0.25, 1000, 3000, 0.5024279808921001],
    [0.2501, 100000, 300000, 0.5582977694680242],
    [1e-8, 1, 2000, 1.999980010133133e-5],
    [0.7, 3000, 1000, 1.0477251387568194e-12],
  ];
  for (const [x, a, b, expected] of table) {
    const actual = regularizedIncompleteBeta(x, a, b);
    assert.ok(close(actual, expected, 2e-9), `I_${x}(${a}, ${b}) = ${actual}, scipy ${expected}`);
  }
  // Closed forms: I_x(1, 1) = x, I_x(a, 1) = x^a, I_x(1, b) = 1 − (1 − x)^b.
  assert.ok(close(regularizedIncompleteBeta(0.37, 1, 1), 0.37, 1e-14));
  assert.ok(close(regularizedIncompleteBeta(0.37, 4, 1), 0.37 ** 4, 1e-13));
  assert.ok(close(regularizedIncompleteBeta(0.37, 1, 6), 1 - 0.63 ** 6, 1e-13));
});

test("beta quantiles invert the incomplete beta, also far in the tails", () => {
  for (const [p, a, b] of [
    [0.025, 1, 200000],
    [0.975, 3, 998],
    [1e-12, 5, 7],
    [0.5, 0.5, 0.5],
    [0.999999, 2000, 2],
  ]) {
    const x = betaQuantile(p, a, b);
    assert.ok(close(regularizedIncompleteBeta(x, a, b), p, 1e-9), `quantile ${p} of Beta(${a}, ${b}) = ${x}`);
  }
});

test("Clopper–Pearson intervals match scipy.stats.beta.ppf and the closed forms at k = 0 and k = n", () => {
  // [k, n, lo, hi]: beta.ppf(0.025, k, n−k+1), beta.ppf(0.975, k+1, n−k) from scipy 1.17.1.
  const table: [number, number, number, number][] = [
    [0, 10, 0, 0.3084971078187607],
    [1, 10, 0.0025285785444617848, 0.4450161170281954],
    [5, 10, 0.18708602844739855, 0.8129139715526015],
    [10, 10, 0.6915028921812392, 1],
    [3, 1000, 0.0006190999316495713, 0.008742023238478303],
    [997, 1000, 0.9912579767615217, 0.9993809000683505],
    [0, 100000, 0, 3.68881141579242e-5],
    [12, 2000, 0.0031040162823773266, 0.010457313821794881],
    [1000, 2000, 0.4778505542311098, 0.5221494457688902],
    [1, 1, 0.025, 1],
    [50, 4000, 0.009291587489802083, 0.016446844532148515],
    [1, 200000, 1.265890319090572e-7, 2.785789856219694e-5],
  ];
  for (const [k, n, lo, hi] of table) {
    const interval = clopperPearson(k, n);
    assert.ok(close(interval.lo, lo, 1e-9), `lo(${k}/${n}) = ${interval.lo}, scipy ${lo}`);
    assert.ok(close(interval.hi, hi, 1e-9), `hi(${k}/${n}) = ${interval.hi}, scipy ${hi}`);
  }
  for (const n of [1, 7, 50, 3000]) {
    assert.ok(close(clopperPearson(0, n).hi, 1 - 0.025 ** (1 / n), 1e-10));
    assert.ok(close(clopperPearson(n, n).lo, 0.025 ** (1 / n), 1e-10));
  }
  assert.deepEqual(clopperPearson(0, 0), { lo: 0, hi: 1 });
  assert.throws(() => clopperPearson(5, 3), RangeError);
});

test("binomial tails and probabilities match scipy.stats.binom", () => {
  // [k, n, p, sf(k − 1) = P[X ≥ k], pmf(k)]
  const table: [number, number, number, number, number][] = [
    [75, 100, 0.75, 0.5534708238482475, 0.09179969176683683],
    [60, 100, 0.5, 0.028443966820490444, 0.010843866711637978],
    [5, 10, 0.3, 0.15026833259999992, 0.10291934519999989],
    [900, 1000, 0.88, 0.02664053316189475, 0.005723924853800678],
    [1, 1000, 0.001, 0.6323045752290359, 0.3680634882592233],
    [500, 1000, 0.6, 0.9999999999329903, 3.447053370928084e-11],
  ];
  for (const [k, n, p, tail, pmf] of table) {
    assert.ok(close(binomialUpperTail(k, n, p), tail, 1e-9), `P[Bin(${n}, ${p}) ≥ ${k}]`);
    assert.ok(close(binomialPmf(k, n, p), pmf, 1e-9), `P[Bin(${n}, ${p}) = ${k}]`);
  }
  assert.equal(binomialUpperTail(0, 10, 0.3), 1);
  assert.equal(binomialUpperTail(11, 10, 0.3), 0);
});

test("one-run audit p-values and ε bounds match Steinke, Nasr & Jagielski's Appendix D code (run with scipy)", () => {
  // The paper's worked example: m = r = 100, v = 75 at ε = log 3, δ = 0 gives p ≈ 0.553.
  const pTable: [number, number, number, number, number, number][] = [
    [100, 100, 75, Math.log(3), 0, 0.5534708238482475],
    [1000, 100, 90, 1.0, 1e-5, 0.0008412885614385305],
    [1000, 200, 150, 0.5, 1e-5, 0.0006212078358387146],
    [10000, 1000, 700, 0.8, 1e-5, 0.2634375750287046],
    [1000, 50, 50, 2.0, 1e-5, 0.0039164452673933325],
  ];
  for (const [m, r, v, eps, delta, expected] of pTable) {
    assert.ok(close(oneRunPValue(m, r, v, eps, delta), expected, 1e-8), `p(${m}, ${r}, ${v}, ${eps})`);
  }
  // get_eps_audit(m, r, v, delta, p)
  const epsTable: [number, number, number, number, number, number][] = [
    [1000, 100, 90, 1e-5, 0.05, 1.626143479719758],
    [1000, 100, 100, 1e-5, 0.05, 3.4653763473033905],
    [1000, 200, 140, 1e-5, 0.05, 0.5836138874292374],
    [10000, 1000, 700, 1e-5, 0.05, 0.7292532389983535],
    [1000, 100, 50, 1e-5, 0.05, 0],
    [100, 100, 75, 0, 0.05, 0.7022139308974147],
    [5000, 500, 400, 1e-5, 0.005, 1.0773578770458698],
  ];
  for (const [m, r, v, delta, p, expected] of epsTable) {
    const actual = oneRunEpsilonLowerBound(m, r, v, delta, p);
    assert.ok(close(actual, expected, 1e-7, 1e-9), `ε(${m}, ${r}, ${v}) = ${actual}, reference ${expected}`);
  }
});

test("the one-run guessing game counts correct guesses at both ends and corrects for the configurations tried", () => {
  // 10 canaries, scores decreasing with index; included = 1,1,1,0,1,0,0,1,0,0.
  const scores = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  const included = [1, 1, 1, 0, 1, 0, 0, 1, 0, 0];
  const one = oneRunAudit(scores, included, { delta: 0, tried: [{ in: 3, out: 2 }] });
  assert.equal(one.guesses, 5);
  assert.equal(one.correct, 5);
  assert.equal(one.epsilonLowerBound, oneRunEpsilonLowerBound(10, 5, 5, 0, 0.05));
  const two = oneRunAudit(scores, included, {
    delta: 0,
    tried: [
      { in: 3, out: 2 },
      { in: 5, out: 0 },
    ],
  });
  // Two configurations: each is tested at 0.025, so the same guesses prove less.
  assert.equal(two.chosen.in, 3);
  assert.equal(two.epsilonLowerBound, oneRunEpsilonLowerBound(10, 5, 5, 0, 0.025));
  assert.ok(two.epsilonLowerBound < one.epsilonLowerBound);
});

test("ROC, AUC and TPR at FPR on a hand-made curve", () => {
  // Descending: m, n, m, m, n, n → ROC (0,0) (0,⅓) (⅓,⅓) (⅓,⅔) (⅓,1) (⅔,1) (1,1).
  const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
  const members = [1, 0, 1, 1, 0, 0];
  const curve = rocCurve(scores, members);
  assert.deepEqual(Array.from(curve.fpr), [0, 0, 1 / 3, 1 / 3, 1 / 3, 2 / 3, 1]);
  assert.deepEqual(Array.from(curve.tpr), [0, 1 / 3, 1 / 3, 2 / 3, 1, 1, 1]);
  const ranked = new RankedScores(scores, members);
  // Pairs (member above non-member): 1·3 + 2·2 = 7 of 9.
  assert.ok(close(ranked.auc(), 7 / 9, 1e-15));
  assert.ok(close(areaUnder(curve), 7 / 9, 1e-15));
  // FPR ≤ 0.2 admits only points with FPR 0: the best TPR there is ⅓ (no interpolation
  // toward (⅓, 1)); FPR ≤ ⅓ reaches TPR 1.
  assert.deepEqual(ranked.tprAtFpr([0.2, 1 / 3, 0]), [1 / 3, 1, 1 / 3]);
  assert.equal(tprAtFprOf(curve, 0.2), 1 / 3);
});

test("ties move together: a tied member/non-member pair counts one half and adds one diagonal ROC step", () => {
  const ranked = new RankedScores([2, 1, 1, 0], [1, 1, 0, 0]);
  // Pairs: (2 vs 1) 1, (2 vs 0) 1, (1 vs 1) ½, (1 vs 0) 1 → 3.5 / 4.
  assert.equal(ranked.auc(), 3.5 / 4);
  const curve = ranked.curve();
  assert.deepEqual(Array.from(curve.fpr), [0, 0, 0.5, 1]);
  assert.deepEqual(Array.from(curve.tpr), [0, 0.5, 1, 1]);
  // The tied step goes from FPR 0 to ½: at FPR ≤ 0.25 only TPR ½ is reachable.
  assert.deepEqual(ranked.tprAtFpr([0.25]), [0.5]);
});

test("AUC equals the brute-force Mann–Whitney count on random data with ties, and weights act as multiplicities", () => {
  const random = createRandom(3);
  const n = 300;
  const scores = Array.from({ length: n }, () => Math.round(random.normal() * 4) / 4);
  const members = Array.from({ length: n }, () => (random.uniform() < 0.4 ? 1 : 0));
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    if (!members[i]) continue;
    for (let j = 0; j < n; j++) {
      if (members[j]) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  const ranked = new RankedScores(scores, members);
  assert.ok(close(ranked.auc(), wins / pairs, 1e-13));
  const weights = Array.from({ length: n }, () => random.integer(3));
  const expanded = { scores: [] as number[], members: [] as number[] };
  weights.forEach((w, i) => {
    for (let r = 0; r < w; r++) {
      expanded.scores.push(scores[i]);
      expanded.members.push(members[i]);
    }
  });
  const direct = new RankedScores(expanded.scores, expanded.members);
  assert.ok(close(ranked.auc(weights), direct.auc(), 1e-13));
  assert.deepEqual(ranked.tprAtFpr([0.01, 0.1], weights), direct.tprAtFpr([0.01, 0.1]));
  assert.throws(() => new RankedScores([0, Number.NaN], [1, 0]), /NaN/);
});

test("the bootstrap's AUC standard error agrees with the Hanley–McNeil formula on a large sample", () => {
  // Gaussian scores, members shifted by d = 1: AUC = Φ(d/√2) ≈ 0.760.
  const random = createRandom(11);
  const n = 2000;
  const members = Array.from({ length: n }, (_, i) => (i < n / 2 ? 1 : 0));
  const scores = members.map((m) => random.normal() + m);
  const ranked = new RankedScores(scores, members);
  const auc = ranked.auc();
  const [interval] = bootstrapIntervals(members, (w) => [ranked.auc(w)], { replicates: 400, seed: 1 });
  // Hanley & McNeil (1982): SE² = [A(1−A) + (n₁−1)(Q₁−A²) + (n₂−1)(Q₂−A²)] / (n₁n₂), Q₁ = A/(2−A), Q₂ = 2A²/(1+A).
  const m = n / 2;
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const se = Math.sqrt((auc * (1 - auc) + (m - 1) * (q1 - auc * auc) + (m - 1) * (q2 - auc * auc)) / (m * m));
  const bootstrapSe = (interval.hi - interval.lo) / (2 * 1.959964);
  assert.ok(interval.lo < auc && auc < interval.hi);
  assert.ok(Math.abs(bootstrapSe / se - 1) < 0.2, `bootstrap SE ${bootstrapSe}, Hanley–McNeil ${se}`);
  // Same seed, same interval.
  const again = bootstrapIntervals(members, (w) => [ranked.auc(w)], { replicates: 400, seed: 1 });
  assert.deepEqual(again[0], interval);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
});

test("held-out ε bound: separable scores prove log((TPR_lo − δ)/FPR_hi) on the evaluation half; noise proves nothing", () => {
  const n = 4000;
  const members = Array.from({ length: n }, (_, i) => i % 2);
  const random = createRandom(5);
  // Members score in [10, 11), non-members in [0, 1): any threshold between separates them.
  const separable = members.map((m) => m * 10 + random.uniform());
  const result = heldOutAnalysis(separable, members, { delta: 1e-5, seed: 2 });
  const bound = result.epsilonLowerBound;
  assert.equal(bound.evaluationSize.members + bound.evaluationSize.nonMembers, n / 2);
  assert.equal(bound.fpr.successes, 0);
  assert.equal(bound.tpr.successes, bound.evaluationSize.members);
  const half = bound.evaluationSize.members;
  const expected = Math.log(
    (clopperPearson(half, half).lo - 1e-5) / clopperPearson(0, bound.evaluationSize.nonMembers).hi,
  );
  assert.ok(close(bound.value, expected, 1e-12), `ε_lb ${bound.value}, expected ${expected}`);
  assert.ok(bound.positive);
  assert.ok(close(result.advantage.value, 1, 1e-12));

  const noise = members.map(() => random.normal());
  const nothing = heldOutAnalysis(noise, members, { delta: 1e-5, seed: 2 }).epsilonLowerBound;
  assert.equal(nothing.positive, false);
  assert.equal(nothing.value, 0);
});

test("stratified halves split members and non-members evenly and are disjoint", () => {
  const members = Array.from({ length: 101 }, (_, i) => (i < 40 ? 1 : 0));
  const { calibration, evaluation } = stratifiedHalves(members, 9);
  assert.equal(calibration.length + evaluation.length, 101);
  assert.equal(new Set([...calibration, ...evaluation]).size, 101);
  assert.equal(Array.from(calibration).filter((i) => members[i]).length, 20);
});
