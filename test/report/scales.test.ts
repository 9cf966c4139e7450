import assert from "node:assert/strict";
import { test } from "node:test";
import { axisPosition, epsilonAxis, linearAxis, niceStep } from "../../src/report/scales.js";

test("niceStep picks 1, 2 or 5 times a power of ten", () => {
  assert.equal(niceStep(1, 5), 0.2);
  assert.equal(niceStep(0.05, 5), 0.01);
  assert.equal(niceStep(37, 5), 10);
  assert.equal(niceStep(240, 5), 50);
});

test("a linear axis covers its values with round ticks inside the bounds", () => {
  const values = [0.803, 0.8415, 0.812];
  const axis = linearAxis(values, { lower: 0, upper: 1 });
  assert.ok(axis.min <= 0.803 && axis.max >= 0.8415 && axis.max <= 1);
  for (const value of values) {
    const position = axisPosition(axis, value);
    assert.ok(position >= 0 && position <= 1);
  }
  assert.deepEqual(
    axis.ticks.map((tick) => tick.label),
    ["0.80", "0.81", "0.82", "0.83", "0.84", "0.85"],
  );
  assert.equal(axis.ticks[0].position, 0);
  assert.ok(Math.abs(axis.ticks[axis.ticks.length - 1].position - 1) < 1e-9);
});

test("a degenerate linear axis (one value) still has a span", () => {
  const axis = linearAxis([0.5]);
  assert.ok(axis.max > axis.min);
  assert.equal(axisPosition(axis, 0.5) > 0 && axisPosition(axis, 0.5) < 1, true);
});

test("the epsilon axis is logarithmic and puts non-private past every finite value", () => {
  const axis = epsilonAxis([0.3, 2, 45, Number.POSITIVE_INFINITY]);
  assert.equal(axis.minExponent, -1);
  assert.equal(axis.maxExponent, 2);
  // Equal ratios give equal distances on a log axis.
  const a = axisPosition(axis, 1) - axisPosition(axis, 0.1);
  const b = axisPosition(axis, 100) - axisPosition(axis, 10);
  assert.ok(Math.abs(a - b) < 1e-12);
  assert.ok(Math.abs(axisPosition(axis, 100) - axis.finiteSpan) < 1e-12);
  assert.ok(axisPosition(axis, Number.POSITIVE_INFINITY) > axisPosition(axis, 100));
  const last = axis.ticks[axis.ticks.length - 1];
  assert.equal(last.label, "∞");
  assert.equal(last.position, axis.infinityPosition);
});

test("the epsilon axis without finite values spans 0.1 to 100", () => {
  const axis = epsilonAxis([Number.POSITIVE_INFINITY]);
  assert.deepEqual([axis.minExponent, axis.maxExponent], [-1, 2]);
});
