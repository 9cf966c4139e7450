/**
 * What secure aggregation leaves possible, measured. It hides which client sent a
 * poisoned update: the server's view of the attacker is as uniform as anyone's, so a
 * detector that finds the attacker every time in the clear does no better than
 * chance on the masked views; the attack still reaches the sum. Defences that need
 * individual updates are refused; bounding the aggregate's norm still works.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import type { PreparedTask } from "../../src/data/index.js";
import { prepareTask } from "../../src/data/index.js";
import { aggregateSecurely } from "../../src/federated/secagg/local-round.js";
import { decode, encode, fixedPointFor, toSigned } from "../../src/federated/secagg/ring.js";
import { simulateFederated } from "../../src/federated/simulation.js";

/** The index of the vector with the largest spread around zero, as a server would flag an outlier. */
function flag(views: Float64Array[]): number {
  let best = -1;
  let bestNorm = -1;
  views.forEach((v, k) => {
    const norm = v.reduce((s, x) => s + x * x, 0);
    if (norm > bestNorm) {
      bestNorm = norm;
      best = k;
    }
  });
  return best;
}

test("in the clear the attacker is found every time; behind secure aggregation no better than chance", async () => {
  const random = createRandom(21);
  const clients = 5;
  const length = 256;
  const fixedPoint = fixedPointFor(1, clients);
  const trials = 30;
  let foundInClear = 0;
  let foundMasked = 0;
  for (let trial = 0; trial < trials; trial++) {
    const attacker = random.integer(clients);
    const updates = Array.from({ length: clients }, (_, k) =>
      Float64Array.from({ length }, () => (k === attacker ? -10 : 1) * 0.01 * random.normal()),
    );
    foundInClear += flag(updates) === attacker ? 1 : 0;
    const inputs = new Map(updates.map((u, k) => [k + 1, encode(u, fixedPoint, random)]));
    const masked = new Map<number, Uint32Array>();
    const result = await aggregateSecurely(
      inputs,
      trial,
      { graph: { kind: "complete" } },
      {
        observe: (message) => {
          if (message.kind === "masked-input") masked.set(message.client, message.vector);
        },
      },
    );
    // The server's best guess from what it sees: the same outlier rule on the (signed) masked words.
    const views = [...masked.keys()]
      .sort((a, b) => a - b)
      .map((id) => Float64Array.from(toSigned(masked.get(id)!)));
    foundMasked += flag(views) === attacker ? 1 : 0;
    // The attack still reaches the sum, exactly.
    const sum = decode(result.sum, fixedPoint);
    const expected = updates.reduce((s, u) => s + u[0], 0);
    assert.ok(Math.abs(sum[0] - expected) < clients / fixedPoint.scale);
  }
  assert.equal(foundInClear, trials);
  // Chance is 1/5: 6 of 30 expected; P(Binomial(30, 0.2) ≥ 15) < 2·10⁻⁴.
  assert.ok(foundMasked < 15, `the masked views gave the attacker away ${foundMasked} times of ${trials}`);
});

test("under secure aggregation an attack reaches the model; bounding the aggregate's norm limits it", async () => {
  const task: PreparedTask = await prepareTask({ data: "synthetic" });
  const base = {
    clients: 10,
    rounds: 4,
    model: "logreg",
    workers: 1,
    secure: { graph: "complete" as const },
    local: { epochs: 1, batchSize: 16, learningRate: 0.1 },
  };
  const attack = { fraction: 0.2, spec: { kind: "sign-flip" as const, scale: 50 } };
  const clean = (await simulateFederated(task, base)).report.final.accuracy;
  const attacked = (await simulateFederated(task, { ...base, attack })).report.final.accuracy;
  const bounded = await simulateFederated(task, { ...base, attack, normBound: 0.05 });
  assert.ok(attacked < clean - 0.15, `secure + attack ${attacked} vs clean ${clean}`);
  assert.ok(
    bounded.report.final.accuracy > attacked,
    `bounded ${bounded.report.final.accuracy} vs unbounded ${attacked}`,
  );
});
