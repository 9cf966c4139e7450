import assert from "node:assert/strict";
import { test } from "node:test";
import {
  erfc,
  erfcx,
  logErfc,
  logExpectedPositivePart,
  logNormalCdf,
  normalCdf,
  normalPdf,
  normalQuantile,
  normalSurvival,
} from "../../src/math/normal.js";

// Reference values from mpmath at 60 significant digits, rounded to double (mpmath 1.3:
// mp.erfc, log(mp.ncdf) or log1p(-ncdf(-z)) in the upper half, and findroot on log ncdf for
// the quantile, which is evaluated at the double nearest the decimal p).
const ERFC: [number, number][] = [
  [-5, 1.9999999999984626],
  [-1.5, 1.9661051464753108],
  [-0.5, 1.5204998778130465],
  [0, 1.0],
  [1e-8, 0.9999999887162083],
  [0.3, 0.6713732405408726],
  [0.7, 0.32219880616258156],
  [0.99, 0.1614919304446302],
  [1, 0.15729920705028513],
  [1.07, 0.13022670283641333],
  [1.5, 0.033894853524689274],
  [1.98, 0.005107999613186417],
  [2, 0.004677734981047266],
  [2.5, 0.0004069520174449589],
  [3, 2.209049699858544e-5],
  [5, 1.537459794428035e-12],
  [10, 2.088487583762545e-45],
  [20, 5.395865611607901e-176],
  [25.57, 2.459329101732406e-286],
  [26.5, 2.2109076642637343e-307],
];
const LOG_ERFC: [number, number][] = [
  [-3, 0.6931361352504468],
  [0.5, -0.7350111298370844],
  [1.07, -2.038478479326461],
  [2, -5.364941264616638],
  [5, -27.200889545537436],
  [30, -903.9741171106439],
  [1000, -1000007.4801207219],
  [1e5, -10000000012.08529],
];
const LOG_NORMAL_CDF: [number, number][] = [
  [-1e4, -50000010.12927891],
  [-1000, -500007.82669481216],
  [-40, -804.6084420137538],
  [-38.5, -745.695270290411],
  [-10, -53.23128515051247],
  [-5, -15.064998393988725],
  [-2, -3.783184333682032],
  [-0.5, -1.1759117615936185],
  [0, -Math.LN2], // log(1/2)
  [0.5, -0.3689464152886564],
  [2, -0.02301290932896349],
  [5, -2.866516129637636e-7],
  [8.3, -5.205569744890254e-17],
  [10, -7.619853024160525e-24],
  [20, -2.7536241186062337e-89],
  [36.2, -3.043969393185368e-287],
];
const NORMAL_CDF: [number, number][] = [
  [-37, 5.725571222524577e-300],
  [-20, 2.7536241186062337e-89],
  [-8, 6.220960574271784e-16],
  [-3, 0.0013498980316300946],
  [-1, 0.15865525393145705],
  [0, 0.5],
  [1, 0.8413447460685429],
  [1.96, 0.9750021048517795],
  [3, 0.9986501019683699],
  [8, 0.9999999999999993],
];
const NORMAL_QUANTILE: [number, number][] = [
  [1e-300, -37.0470962993612],
  [1e-100, -21.273453560965326],
  [1e-20, -9.262340089798407],
  [1e-5, -4.264890793922825],
  [0.01, -2.326347874040841],
  [0.3, -0.5244005127080408],
  [0.7, 0.5244005127080407],
  [0.975, 1.9599639845400538],
  [0.9999999999, 6.361340889697422],
];

const relativeError = (got: number, want: number) => (want === 0 ? Math.abs(got) : Math.abs(got / want - 1));

test("erfc and erfcx match mpmath to 1e-13 relative, subnormal tail and negative arguments included", () => {
  for (const [x, want] of ERFC) assert.ok(relativeError(erfc(x), want) < 1e-13, `erfc(${x}) = ${erfc(x)}`);
  for (const [x, want] of ERFC.filter(([x]) => x >= 0 && x <= 20))
    assert.ok(relativeError(erfcx(x), want * Math.exp(x * x)) < 1e-13, `erfcx(${x})`);
  assert.equal(erfc(28), 0);
  assert.ok(Number.isNaN(erfc(Number.NaN)));
  assert.throws(() => erfcx(-1), /x >= 0/);
});

test("log erfc, log Φ and Φ match mpmath from -1e4 to the far upper tail", () => {
  for (const [x, want] of LOG_ERFC)
    assert.ok(relativeError(logErfc(x), want) < 2e-14, `logErfc(${x}) = ${logErfc(x)}`);
  for (const [z, want] of LOG_NORMAL_CDF)
    assert.ok(relativeError(logNormalCdf(z), want) < 2e-13, `logNormalCdf(${z}) = ${logNormalCdf(z)}`);
  // Far in the tail the conditioning of e^{-z²/2} (relative error z²·u for an argument exact
  // to u) is the limit: the tolerance grows with it.
  for (const [z, want] of NORMAL_CDF) {
    const tolerance = 1e-14 * Math.max(1, z * z);
    assert.ok(relativeError(normalCdf(z), want) < tolerance, `normalCdf(${z}) = ${normalCdf(z)}`);
    assert.ok(relativeError(normalSurvival(-z), want) < tolerance, `normalSurvival(${-z})`);
  }
});

test("Φ⁻¹ matches mpmath to 1e-14 relative, inverts Φ, and handles the ends", () => {
  for (const [p, want] of NORMAL_QUANTILE) {
    const got = normalQuantile(p);
    assert.ok(Math.abs(got - want) <= 1e-14 * Math.max(1, Math.abs(want)), `Φ⁻¹(${p}) = ${got}`);
  }
  for (const p of [1e-250, 0.001, 0.2, 0.5, 0.6, 0.999]) {
    const x = normalQuantile(p);
    assert.ok(relativeError(normalCdf(x), p) < 1e-14 * Math.max(1, x * x), `Φ(Φ⁻¹(${p}))`);
  }
  assert.equal(normalQuantile(0), Number.NEGATIVE_INFINITY);
  assert.equal(normalQuantile(1), Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(normalQuantile(1.5)));
});

test("log ψ(z) = log(φ(z) + zΦ(z)) is continuous across branches and matches quadrature", () => {
  // ψ(z) = ∫_{-∞}^{z} Φ(t) dt; compare with a trapezoid rule on a fine grid.
  for (const z of [-8, -3, -1.5, 0, 2]) {
    let integral = 0;
    const h = 1e-4;
    for (let i = 0; i < 200000; i++) {
      const t = z - 20 + i * h;
      integral += 0.5 * h * (normalCdf(t) + normalCdf(t + h));
    }
    assert.ok(Math.abs(Math.exp(logExpectedPositivePart(z)) / integral - 1) < 1e-6, `z = ${z}`);
  }
  const below = logExpectedPositivePart(-2 - 1e-9);
  const above = logExpectedPositivePart(-2 + 1e-9);
  assert.ok(Math.abs(above - below) < 1e-8);
  // Far tail: ψ(z) ≈ φ(z)/z² (1 − 3/z² + …).
  const z = -30;
  const asymptotic = Math.log(normalPdf(z) / (z * z)) + Math.log1p(-3 / (z * z) + 15 / z ** 4);
  assert.ok(Math.abs(logExpectedPositivePart(z) - asymptotic) < 1e-5);
});
