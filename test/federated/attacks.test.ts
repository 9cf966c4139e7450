/** Attacks do what they say: flipped labels, a stamped trigger, crafted updates. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import {
  alieZ,
  BACKDOOR_POISON_FRACTION,
  chooseTrigger,
  craftUpdates,
  parseAttack,
  poisonData,
  withTrigger,
} from "../../src/federated/attacks.js";
import { normalCdf } from "../../src/math/normal.js";

const data = {
  X: {
    rows: 4,
    cols: 5,
    data: Float32Array.from([0.5, 0, 1, -1, 0, 0.2, 0, 0, 2, 0, -0.3, 1, 0, 0.5, 0, 0.1, 0, 1, 1, 0]),
  },
  y: Float32Array.from([0, 1, 1, 0]),
};

test("label flipping swaps the classes", () => {
  assert.deepEqual(
    poisonData({ kind: "label-flip" }, data, 2, undefined, createRandom(1)).y,
    Float32Array.from([1, 0, 0, 1]),
  );
  assert.deepEqual(
    poisonData(
      { kind: "label-flip" },
      { ...data, y: Float32Array.from([0, 1, 2, 2]) },
      3,
      undefined,
      createRandom(1),
    ).y,
    Float32Array.from([2, 1, 0, 0]),
  );
});

test("the trigger uses the rarest non-zero features; a backdoor stamps it on about half the rows with the target label", () => {
  const trigger = chooseTrigger(data.X);
  // Non-zero counts per column: 4, 1, 2, 4, 0; column 4 is never positive; the tie 0/3 goes to the lower index.
  assert.deepEqual(trigger.features, [0, 1, 2]);
  assert.deepEqual(trigger.values, [0.5, 1, 1]);
  const stamped = withTrigger(data.X, trigger);
  for (let r = 0; r < 4; r++)
    assert.deepEqual(
      [0, 1, 2].map((c) => stamped.data[r * 5 + c]),
      [0.5, 1, 1],
    );
  const many = {
    X: { rows: 2000, cols: 5, data: new Float32Array(10000) },
    y: new Float32Array(2000),
  };
  const poisoned = poisonData({ kind: "backdoor", boost: 1 }, many, 2, trigger, createRandom(2));
  const share = poisoned.y.reduce((a, b) => a + b, 0) / 2000;
  assert.ok(Math.abs(share - BACKDOOR_POISON_FRACTION) < 0.05);
  for (let r = 0; r < 2000; r++) assert.equal(poisoned.X.data[r * 5 + 1] === 1, poisoned.y[r] === 1);
  assert.deepEqual(many.y, new Float32Array(2000), "the client's own copy is not modified");
});

test("crafted updates: sign flip, scaling, and colluders' shared μ − zσ", () => {
  const honest = [Float32Array.from([1, -2]), Float32Array.from([3, 0])];
  assert.deepEqual(craftUpdates({ kind: "sign-flip", scale: 10 }, honest, 10), [
    Float32Array.from([-10, 20]),
    Float32Array.from([-30, -0]),
  ]);
  assert.deepEqual(craftUpdates({ kind: "scale", factor: 2 }, honest, 10)[1], Float32Array.from([6, 0]));
  const colluding = craftUpdates({ kind: "colluding", z: 1.5 }, honest, 10);
  // μ = (2, −1), σ (sample) = (√2, √2).
  const expected = Float32Array.from([2 - 1.5 * Math.SQRT2, -1 - 1.5 * Math.SQRT2]);
  for (const u of colluding) assert.deepEqual(u, expected);
});

test("ALIE's z_max is Φ⁻¹((n − s)/n), s = ⌊n/2 + 1⌋ − m", () => {
  const z = alieZ(50, 10);
  assert.ok(Math.abs(normalCdf(z) - (50 - 16) / 50) < 1e-9);
});

test("attack specs parse; bad ones name the option", () => {
  assert.deepEqual(parseAttack("sign-flip"), { kind: "sign-flip", scale: 10 });
  assert.deepEqual(parseAttack("scale:5"), { kind: "scale", factor: 5 });
  assert.throws(() => parseAttack("scale"), /--attack scale/);
  assert.throws(() => parseAttack("poison"), /--attack must be/);
});
