import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import { normalCdf } from "../../src/math/normal.js";
import { additionCanYield, impossibleFraction } from "../../src/privacy/analysis/floating-point.js";
import { kolmogorovSmirnov } from "../../src/privacy/analysis/goodness-of-fit.js";
import {
  coveringStd,
  NOISE_LATTICE_BITS,
  noiseLatticeSpacing,
  secureGaussianNoise,
  seededGaussianNoise,
  snappedNoiseMultiplier,
} from "../../src/privacy/noise.js";
import { refineTailUniform } from "../../src/privacy/secure-random.js";

const TWO_POW_53 = 2 ** 53;

/**
 * Can the secure lattice sampler move `input` to `output` (Float64 target)? Sufficient
 * witness: a Box–Muller pair with angle word 0 (z = r) or 2^31 (z = −r) whose radius
 * r = √(−2 log u₁) gives the lattice offset, u₁ on the generator's grid: m/2^53 for
 * u₁ ≥ 2^-21, (cell − 1 + f/2^53)/2^53 below (secure-random.ts). r decreases with u₁, so a
 * bisection on the grid index finds the witness if there is one.
 */
function latticeSamplerCanYield(input: number, output: number, std: number): boolean {
  const gamma = noiseLatticeSpacing(std);
  const offset = (output - Math.round(input / gamma) * gamma) / gamma;
  if (!Number.isSafeInteger(offset)) return false;
  const sign = offset < 0 ? -1 : 1;
  const cellsPerStd = std / gamma;
  const offsetAt = (u: number) => Math.round(cellsPerStd * sign * Math.sqrt(-2 * Math.log(u)));
  // Index → u₁: the refined region first (indices below 2^85), then the plain grid.
  const split = (2n ** 32n - 1n) * 2n ** 53n;
  const uAt = (index: bigint) => {
    if (index <= split) {
      const cell = index / 2n ** 53n + 1n;
      const f = index % 2n ** 53n || 2n ** 53n;
      return (Number(cell - 1n) + Number(f) / TWO_POW_53) / TWO_POW_53;
    }
    return Number(index - split + 2n ** 32n - 1n) / TWO_POW_53;
  };
  let lo = 1n;
  let hi = split + 2n ** 53n - 2n ** 32n + 1n; // u₁ = 1
  // |offset| decreases with the index (u₁ grows): find the first index with |offsetAt| ≤ |offset|.
  if (Math.abs(offsetAt(uAt(lo))) < Math.abs(offset)) return false;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (Math.abs(offsetAt(uAt(mid))) <= Math.abs(offset)) hi = mid;
    else lo = mid;
  }
  return offsetAt(uAt(hi)) === offset || offsetAt(uAt(lo)) === offset;
}

test("lattice noise is N(0, std²): KS and moments (seeded), KS (secure, Float32 target)", () => {
  const std = 0.37;
  const n = 100_000;
  const target = new Float64Array(n);
  seededGaussianNoise(11).add(target, std);
  assert.ok(kolmogorovSmirnov(target, (x) => normalCdf(x / std)).pValue > 0.001);
  const mean = target.reduce((s, v) => s + v, 0) / n;
  const variance = target.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  assert.ok(Math.abs(mean) < (4 * std) / Math.sqrt(n), `mean ${mean}`);
  // Var of the sample variance ≈ 2σ⁴/n.
  assert.ok(Math.abs(variance - std * std) < 4 * std * std * Math.sqrt(2 / n), `variance ${variance}`);
  const secure = new Float32Array(50_001).fill(2.5);
  secureGaussianNoise().add(secure, 1.7);
  assert.ok(
    kolmogorovSmirnov(
      Array.from(secure, (v) => v - 2.5),
      (x) => normalCdf(x / 1.7),
    ).pValue > 1e-6,
  );
});

test("outputs are points of the lattice γℤ, γ = 2^(⌊log₂ std⌋ − 24), inputs snapped to it", () => {
  for (const std of [0.37, 1, 3e-7, 1234.5]) {
    const gamma = noiseLatticeSpacing(std);
    assert.ok(gamma <= std * 2 ** -NOISE_LATTICE_BITS && gamma > std * 2 ** -(NOISE_LATTICE_BITS + 1));
    assert.equal(Math.log2(gamma), Math.round(Math.log2(gamma)));
    const target = Float64Array.from({ length: 2000 }, (_, i) => Math.sin(i) * 10 * std);
    seededGaussianNoise(2).add(target, std);
    assert.ok(
      target.every((v) => Number.isInteger(v / gamma)),
      `std ${std}`,
    );
  }
  const unchanged = Float32Array.of(1.5, -2);
  seededGaussianNoise(1).add(unchanged, 0);
  assert.deepEqual(Array.from(unchanged), [1.5, -2]);
  assert.throws(() => seededGaussianNoise(1).add(unchanged, Number.NaN), /finite/);
  assert.throws(() => seededGaussianNoise(1).add(unchanged, -1), /finite/);
});

test("the floating-point attack: 44% of plain x + z outputs reveal x; none of the lattice outputs do", () => {
  const random = createRandom(7);
  const std = 1;
  // Plain addition on doubles (what the sampler did before): outputs for 0, certificate for 1.
  const plain = Float64Array.from({ length: 4000 }, () => 0 + std * random.normal());
  const plainImpossible = impossibleFraction(plain, (y) => additionCanYield(1, y, "float64"));
  assert.ok(plainImpossible > 0.38 && plainImpossible < 0.5, `${plainImpossible}`);
  // On a Float32Array target the rounding to float32 hides most of it, but not near 0.
  const plain32 = Float32Array.from(plain);
  assert.ok(impossibleFraction(plain32, (y) => additionCanYield(1, y, "float32")) < 0.01);
  // Lattice sampler: every output for 0 is reachable from 1 by the secure sampler.
  for (const noise of [seededGaussianNoise(8), secureGaussianNoise()]) {
    const outputs = new Float64Array(1500);
    noise.add(outputs, std);
    assert.equal(
      impossibleFraction(outputs, (y) => latticeSamplerCanYield(1, y, std)),
      0,
    );
    assert.equal(
      impossibleFraction(outputs, (y) => additionCanYield(1, y, "float64")),
      0,
    );
  }
  // The witness search is not vacuous: a point off the lattice, or beyond the radius its one
  // modelled level of refinement reaches (√(2·106·ln 2) ≈ 12.1; the generator refines further),
  // is refused; 10 std, where that level is still dense, is reached.
  const gamma = noiseLatticeSpacing(std);
  assert.equal(latticeSamplerCanYield(1, gamma / 2, std), false);
  assert.equal(latticeSamplerCanYield(1, 1 + 12.2 * std, std), false);
  assert.equal(latticeSamplerCanYield(1, 1 - 10 * std, std), true);
});

test("the radius uniform is refined in the tail, and the lattice's sensitivity is accounted", () => {
  // Stubbed draws: the refined value stays inside its grid cell; tiny draws go deeper, never to 0.
  assert.equal(
    refineTailUniform(3 / TWO_POW_53, () => 0.5),
    2.5 / TWO_POW_53,
  );
  const draws = [2 ** -53, 0.25];
  assert.equal(
    refineTailUniform(1 / TWO_POW_53, () => draws.shift() ?? 1),
    2 ** -108,
  );
  const deepest = refineTailUniform(1 / TWO_POW_53, () => 2 ** -53);
  assert.ok(deepest > 0 && Math.sqrt(-2 * Math.log(deepest)) > 38, `${deepest}`);
  // Given the sensitivity, add() draws with the std that covers C + γ√d at the requested σ:
  // std' ≥ std·(1 + γ(std')√d/C), and only just (the least such value on the lattice ladder).
  const std = 0.75;
  const covering = coveringStd(std, 0.5, 11_010);
  const gamma = noiseLatticeSpacing(covering);
  assert.ok(covering >= std * (1 + (gamma * Math.sqrt(11_010)) / 0.5) && covering < std * (1 + 1e-4));
  assert.ok(covering / (0.5 + gamma * Math.sqrt(11_010)) >= std / 0.5);
  const withSensitivity = new Float64Array(20_000);
  seededGaussianNoise(12).add(withSensitivity, std, 0.5);
  const withoutSensitivity = new Float64Array(20_000);
  seededGaussianNoise(12).add(withoutSensitivity, coveringStd(std, 0.5, 20_000));
  assert.deepEqual(withSensitivity, withoutSensitivity);
  assert.throws(() => coveringStd(1, 1e-12, 1e9), /cannot cover/);
  // σ/(1 + σ√d·2^-24): tiny for the models trained here, and never above σ.
  const sigma = snappedNoiseMultiplier(1, 11_010);
  assert.ok(sigma < 1 && 1 - sigma < 7e-6 && 1 - sigma > 6e-6, `${sigma}`);
  assert.equal(snappedNoiseMultiplier(2, 0), 2);
});
