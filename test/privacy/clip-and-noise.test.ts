import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { UserError } from "../../src/common/errors.js";
import { initBackend } from "../../src/nn/index.js";
import { RdpAccountant } from "../../src/privacy/accountants/rdp.js";
import { kolmogorovSmirnov } from "../../src/privacy/analysis/goodness-of-fit.js";
import { normalCdf } from "../../src/privacy/analysis/special.js";
import { clipAndNoise, clipFactors } from "../../src/privacy/clip-and-noise.js";
import type { GaussianNoise } from "../../src/privacy/noise.js";
import { seededGaussianNoise } from "../../src/privacy/noise.js";

before(async () => {
  await initBackend("cpu");
});

test("clip factors: min(1, C/||g||) per example", () => {
  const factors = clipFactors(tf.tensor1d([0, 0.5, 2, 8]), 2);
  const values = Array.from(factors.dataSync());
  assert.deepEqual(values.slice(0, 3), [1, 1, 1]);
  assert.ok(Math.abs(values[3] - 0.25) < 1e-7);
  factors.dispose();
});

test("privatise: (Σ clipped g + N(0, σ²C²)) / (qN), noise drawn on the sum, one accountant step each", () => {
  const sum = Float32Array.from({ length: 4000 }, (_, i) => Math.sin(i));
  const seen: { length: number; std: number; first: number }[] = [];
  const recording: GaussianNoise = {
    kind: "seeded",
    add(target, std) {
      seen.push({ length: target.length, std, first: target[0] });
      seededGaussianNoise(11).add(target, std);
    },
  };
  const accountant = new RdpAccountant();
  const step = clipAndNoise({
    clip: 0.5,
    noiseMultiplier: 1.3,
    sampleRate: 0.02,
    dataSize: 1000,
    noise: recording,
    accountant,
  });
  const released = sum.slice();
  step.privatise(released);
  // The noise source saw the clipped sum itself (not a zero buffer) and std σ·C.
  assert.deepEqual(seen, [{ length: 4000, std: 1.3 * 0.5, first: sum[0] }]);
  const z = Array.from(released, (v, i) => (v * 20 - sum[i]) / 0.65);
  assert.ok(kolmogorovSmirnov(z, normalCdf).pValue > 0.01);
  step.privatise(released);
  assert.equal(step.steps, 2);
  assert.deepEqual(accountant.toJSON().history, [{ sampleRate: 0.02, noise: 1.3, steps: 2 }]);
  // Without noise the release is the clipped sum over the EXPECTED batch size q·N = 20.
  const exact = clipAndNoise({
    clip: 1,
    noiseMultiplier: 0,
    sampleRate: 0.02,
    dataSize: 1000,
    noise: seededGaussianNoise(1),
    accountant: new RdpAccountant(),
  });
  const plain = sum.slice();
  exact.privatise(plain);
  plain.forEach((v, i) => {
    assert.equal(v, Math.fround(sum[i] / 20));
  });
});

test("a noise std σ·C that is not a finite number is refused in one line", () => {
  assert.throws(
    () =>
      clipAndNoise({
        clip: 1e308,
        noiseMultiplier: 2,
        sampleRate: 0.1,
        dataSize: 10,
        noise: seededGaussianNoise(1),
        accountant: new RdpAccountant(),
      }),
    (e: unknown) =>
      e instanceof UserError && /not a finite number: the clipping norm 1e\+308 is too large/.test(e.message),
  );
});
