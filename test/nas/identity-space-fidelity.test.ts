import assert from "node:assert/strict";
import { before, test } from "node:test";
import { UsageError, UserError } from "../../src/common/errors.js";
import { createRandom } from "../../src/common/rng.js";
import { architectureHash, canonicalArchitecture, identify } from "../../src/nas/architecture.js";
import { architectureCost } from "../../src/nas/cost.js";
import { minimumBudget, planBrackets, rungsFor, scheduleFor } from "../../src/nas/fidelity.js";
import { promoted } from "../../src/nas/promote.js";
import { architectureOf, searchSpaceFor } from "../../src/nas/space.js";
import { architectureFor, initBackend, Sequential } from "../../src/nn/index.js";

before(async () => {
  await initBackend("wasm");
});

test("canonical strings: equal architectures give equal strings and hashes (SHA-256 from Python's hashlib)", () => {
  const canonical = "mlp:width=64,64:act=relu:norm=none:dropout=0:skip=none";
  assert.equal(canonicalArchitecture("mlp:64,64"), canonical);
  assert.equal(canonicalArchitecture("mlp:skip=none:width=64,64"), canonical);
  assert.equal(identify("mlp:width=64,64").hash, "d4b394bbd5c136ea");
  assert.equal(
    architectureHash(canonicalArchitecture("cnn")),
    "f3266b91f7e97609", // hashlib.sha256(b"cnn:channels=16,32:kernel=3,3:down=pool,pool:norm=none:act=relu:skip=none:head=flatten")
  );
  assert.notEqual(identify("mlp:width=64,64:dropout=0.1").hash, identify("mlp:width=64,64").hash);
});

test("an architecture string that does not parse is one UserError naming it", () => {
  for (const bad of [
    "mlp:width=abc",
    "transformer:4",
    "cnn:channels=16,32:kernel=3,3,3",
    "mlp:width=64:act=gelu",
  ]) {
    assert.throws(
      () => identify(bad),
      (e: unknown) => e instanceof UserError && !e.message.includes("\n"),
    );
  }
});

test("an architecture that does not fit the input shape is refused with a UserError", () => {
  assert.throws(() => architectureFor("cnn", [12], 2), UserError);
  assert.throws(() => architectureFor("cnn:channels=8,8,8,8,8", [8, 8, 3], 10), UserError);
});

test("every configuration of the MLP and CNN spaces is a valid architecture that builds for the input", () => {
  const random = createRandom(3);
  for (const [family, shape] of [
    ["mlp", [20]],
    ["cnn", [28, 28, 3]],
    ["cnn", [8, 8, 3]],
  ] as const) {
    const space = searchSpaceFor(family, shape);
    const seen = new Set<string>();
    for (let k = 0; k < 25; k++) {
      const architecture = architectureOf(family, space.sample(random));
      assert.equal(canonicalArchitecture(architecture), architecture);
      seen.add(architecture);
      const cost = architectureCost(architecture, shape, 10);
      // The counted parameters are the built network's.
      const model = new Sequential(architectureFor(architecture, shape, 10), { seed: 0 });
      assert.equal(cost.parameters, model.parameterCount, architecture);
      model.dispose();
    }
    assert.ok(seen.size > 15, `${family}: ${seen.size} distinct architectures of 25`);
  }
  assert.throws(() => searchSpaceFor("cnn", [12]), UserError);
});

test("FLOPs: 2 × multiply-accumulates of dense and convolution layers (closed forms)", () => {
  // 20 → 64 → 64 → 1 logit
  assert.equal(architectureCost("mlp:64,64", [20], 2).flops, 2 * (20 * 64 + 64 * 64 + 64 * 1));
  // conv 3×3, 3→16 on 28×28 (same padding), pool → 14×14, conv 3×3 16→32, pool → 7×7, dense 1568 → 10
  const expected = 2 * (9 * 3 * 16 * 28 * 28 + 9 * 16 * 32 * 14 * 14 + 7 * 7 * 32 * 10);
  assert.equal(architectureCost("cnn", [28, 28, 3], 10).flops, expected);
});

test("fidelity rungs: R·η^(r−K+1) epoch-equivalents, fractions below one epoch", () => {
  assert.deepEqual(rungsFor(9, 3, 3), [
    { epochs: 1, fraction: 1 },
    { epochs: 3, fraction: 1 },
    { epochs: 9, fraction: 1 },
  ]);
  const small = rungsFor(3, 3, 3);
  assert.ok(Math.abs(small[0].fraction - 1 / 3) < 1e-12 && small[0].epochs === 1);
  assert.deepEqual(small.slice(1), [
    { epochs: 1, fraction: 1 },
    { epochs: 3, fraction: 1 },
  ]);
});

test("Hyperband brackets (Li et al. 2018, η=3, s_max=2): 9→3→1, 5→1, 3", () => {
  const schedule = scheduleFor("hyperband", 9, 3, 3);
  assert.equal(minimumBudget(schedule), 17);
  const brackets = planBrackets(17, schedule);
  assert.deepEqual(
    brackets.map((b) => b.stages.map((s) => [s.rung, s.count])),
    [
      [
        [0, 9],
        [1, 3],
        [2, 1],
      ],
      [
        [1, 5],
        [2, 1],
      ],
      [[2, 3]],
    ],
  );
  const sixty = planBrackets(60, schedule);
  assert.equal(
    sixty.reduce((n, b) => n + b.size, 0),
    60,
  );
  for (const bracket of sixty)
    assert.equal(bracket.stages.at(-1)?.rung, 2, "every bracket reaches the top rung");
  assert.equal(minimumBudget(scheduleFor("sh", 9, 3, 3)), 9);
});

test("a budget too small for the schedule is one UsageError saying the smallest budget", () => {
  assert.throws(
    () => planBrackets(10, scheduleFor("hyperband", 9, 3, 3)),
    (e: unknown) => e instanceof UsageError && /--budget ≥ 17/.test(e.message),
  );
  assert.throws(() => rungsFor(9, 1, 3), UsageError);
});

test("promotion: Pareto rank first, then crowding distance", () => {
  // Two objectives, minimised: 0 and 1 are non-dominated, 2 is dominated by 0, 3 by everything.
  const points = [
    [0, 1],
    [1, 0],
    [0.5, 1.5],
    [2, 2],
  ];
  assert.deepEqual(promoted(points, 2), [0, 1]);
  assert.deepEqual(promoted(points, 3), [0, 1, 2]);
});
