/**
 * Privacy at the edges: (1) the floating-point attack — the share of outputs for input 0 that
 * are impossible for input 1 — on the textbook samplers and on the lattice ones; (2) Gaussian
 * noise throughput for one DP-SGD step of the Adult MLP (11,010 values), the plain sampler
 * this project used before (`x += std·z`) against the lattice one; (3) the accountants on the
 * Opacus reference cases and at the edges that used to take minutes or crash, and noise
 * calibration there; (4) the exact integer samplers' rate. Run alone:
 *   node --import tsx bench/privacy-edges.bench.ts
 */
import { createRandom } from "../src/common/rng.js";
import { PrvAccountant, RdpAccountant } from "../src/privacy/accountants/index.js";
import {
  additionCanYield,
  impossibleFraction,
  textbookLaplaceCanYield,
  textbookLaplaceNoise,
} from "../src/privacy/analysis/floating-point.js";
import { calibrateNoise } from "../src/privacy/calibration.js";
import {
  exactRational,
  sampleDiscreteGaussian,
  sampleDiscreteLaplace,
} from "../src/privacy/mechanisms/exact-sampling.js";
import { releaseSum } from "../src/privacy/mechanisms/release.js";
import { noiseLatticeSpacing, secureGaussianNoise, seededGaussianNoise } from "../src/privacy/noise.js";
import { createSecureRandom } from "../src/privacy/secure-random.js";
import { writeResults } from "./machine.js";

const draws = Number(process.env.PRIVACY_EDGES_DRAWS ?? 20_000);

// (1) The attack.
const random = createRandom(1);
const laplaceOutputs = Float64Array.from({ length: draws }, () => 0 + textbookLaplaceNoise(1, random));
const gaussianOutputs = Float64Array.from({ length: draws }, () => 0 + random.normal());
const latticeLaplace = Array.from({ length: draws }, () =>
  releaseSum(0, { sensitivity: 1, epsilon: 1, random }),
);
const gamma = latticeLaplace[0].granularity;
const latticeGaussian = new Float64Array(draws);
seededGaussianNoise(2).add(latticeGaussian, 1);
const attack = {
  draws,
  textbookLaplaceEpsilon1: impossibleFraction(laplaceOutputs, (y) => textbookLaplaceCanYield(1, y, 1)),
  textbookLaplaceAnyDouble: impossibleFraction(laplaceOutputs, (y) => additionCanYield(1, y, "float64")),
  latticeLaplace: impossibleFraction(
    latticeLaplace.map((r) => r.value),
    (y) => Number.isSafeInteger(y / gamma),
  ),
  plainGaussianFloat64: impossibleFraction(gaussianOutputs, (y) => additionCanYield(1, y, "float64")),
  plainGaussianFloat32: impossibleFraction(Float32Array.from(gaussianOutputs), (y) =>
    additionCanYield(1, y, "float32"),
  ),
  latticeGaussianAnyDouble: impossibleFraction(latticeGaussian, (y) => additionCanYield(1, y, "float64")),
  latticeGaussianOnLattice: latticeGaussian.every((y) => Number.isInteger(y / noiseLatticeSpacing(1))),
};
console.log(JSON.stringify(attack));

// (2) Noise throughput: median over 7 batches of 500 fills of 11,010 float32 values.
function msPerFill(fill: (out: Float32Array) => void): number {
  const out = new Float32Array(11_010);
  for (let i = 0; i < 100; i++) fill(out);
  const batches: number[] = [];
  for (let b = 0; b < 7; b++) {
    const start = performance.now();
    for (let i = 0; i < 500; i++) fill(out);
    batches.push((performance.now() - start) / 500);
  }
  return batches.sort((a, b) => a - b)[3];
}
const plainAdd = (source: { fillNormal(out: Float64Array): void }) => {
  const z = new Float64Array(11_010);
  return (out: Float32Array) => {
    source.fillNormal(z);
    for (let i = 0; i < out.length; i++) out[i] += 0.013 * z[i];
  };
};
const secureLattice = secureGaussianNoise();
const seededLattice = seededGaussianNoise(3);
const noise = {
  values: 11_010,
  plainSecureMs: msPerFill(plainAdd(createSecureRandom())),
  latticeSecureMs: msPerFill((out) => secureLattice.add(out, 0.013)),
  plainSeededMs: msPerFill(plainAdd(createRandom(4))),
  latticeSeededMs: msPerFill((out) => seededLattice.add(out, 0.013)),
};
console.log(JSON.stringify(noise));

// (3) Accountants: reference cases and edges, each timed once.
function timed<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = run();
  return { value, ms: Math.round(performance.now() - start) };
}
const cases: [number, number, number, number][] = [
  [0.01, 1.0, 1000, 1e-5],
  [0.001, 0.5, 100, 1e-5],
  [0.05, 2.0, 1000, 1e-5],
  [0.01, 0.8, 10000, 1e-5],
  [0.001, 2.0, 10000, 1e-5],
  [1 / 118, 1.0, 1180, 1e-5],
  [0.05, 0.5, 10000, 1e-5],
  [0.01, 1e-3, 1000, 0.95],
  [0.01, 1e-6, 1000, 1e-5],
  [0.01, 1e9, 1000, 1e-5],
  [0.01, 1.0, 1e9, 1e-5],
  [0.2, 0.4, 5000, 1e-5],
];
const accounting = cases.map(([q, sigma, steps, delta]) => {
  const row: Record<string, unknown> = { sampleRate: q, noise: sigma, steps, delta };
  for (const accountant of [new RdpAccountant(), new PrvAccountant()]) {
    accountant.step(q, sigma, steps);
    const { value, ms } = timed(() => accountant.spent(delta));
    row[accountant.kind] = { ...value, ms };
  }
  console.log(JSON.stringify(row));
  return row;
});
const calibrations = (
  [
    [1, 0.01, 1000, 0.95, "prv"],
    [2, 0.01, 1000, 1e-5, "prv"],
    [1, 0.01, 1000, 0.95, "rdp"],
    [1e-3, 0.01, 1000, 1e-5, "rdp"],
  ] as const
).map(([targetEpsilon, sampleRate, steps, delta, accountant]) => {
  const { value, ms } = timed(() => calibrateNoise({ targetEpsilon, sampleRate, steps, delta, accountant }));
  const row = { targetEpsilon, sampleRate, steps, delta, requested: accountant, ...value, ms };
  console.log(JSON.stringify(row));
  return row;
});

// (4) Exact integer samplers, draws per second.
function perSecond(sample: () => unknown, n: number): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) sample();
  return Math.round(n / ((performance.now() - start) / 1000));
}
const secure = createSecureRandom();
const exact = {
  discreteLaplaceScale10PerSecond: perSecond(() => sampleDiscreteLaplace(exactRational(10), secure), 20_000),
  discreteGaussianSigma10PerSecond: perSecond(
    () => sampleDiscreteGaussian(exactRational(100), secure),
    20_000,
  ),
  releaseSumPerSecond: perSecond(
    () => releaseSum(12.5, { sensitivity: 1, epsilon: 1, random: secure }),
    20_000,
  ),
};
console.log(JSON.stringify(exact));

const path = writeResults("privacy-edges", { attack, noise, accounting, calibrations, exact });
console.log(`wrote ${path}`);
