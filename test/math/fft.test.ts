import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import { fft } from "../../src/math/fft.js";

test("fft matches a direct O(n²) DFT and inverts itself", () => {
  const random = createRandom(3);
  const n = 64;
  const re = new Float64Array(n).map(() => random.normal());
  const im = new Float64Array(n).map(() => random.normal());
  const origRe = re.slice();
  const origIm = im.slice();
  fft(re, im);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * j * k) / n;
      sr += origRe[j] * Math.cos(a) - origIm[j] * Math.sin(a);
      si += origRe[j] * Math.sin(a) + origIm[j] * Math.cos(a);
    }
    assert.ok(Math.abs(re[k] - sr) < 1e-12 && Math.abs(im[k] - si) < 1e-12, `bin ${k}`);
  }
  fft(re, im, true);
  for (let j = 0; j < n; j++)
    assert.ok(Math.abs(re[j] - origRe[j]) < 1e-14 && Math.abs(im[j] - origIm[j]) < 1e-14);
});

test("fft rejects lengths that are not powers of two", () => {
  assert.throws(() => fft(new Float64Array(6), new Float64Array(6)), /power of two/);
});
