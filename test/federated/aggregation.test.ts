/** Aggregation rules, server optimisers and q-FFL against hand computations. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { aggregateUpdates, krumScores, parseAggregator } from "../../src/federated/aggregators.js";
import { qfflUpdate } from "../../src/federated/qffl.js";
import { parseServerOptimizer, ServerOptimizer } from "../../src/federated/server-optimizer.js";

const v = (...values: number[]) => Float32Array.from(values);
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tolerance = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i] - b[i]) <= tolerance, `[${i}] ${a[i]} vs ${b[i]}`);
};

describe("aggregation rules", () => {
  const honest = [v(1, 2), v(1.2, 1.8), v(0.8, 2.1), v(1.1, 2.2), v(0.9, 1.9)];
  const attackers = [v(-50, 80), v(-49, 81)];
  const all = [...honest, ...attackers];

  test("mean weights by examples", () => {
    close(aggregateUpdates([v(1, 0), v(3, 4)], [1, 3], { kind: "mean" }).update, [2.5, 3]);
  });

  test("coordinate-wise median and trimmed mean, by hand", () => {
    close(
      aggregateUpdates(
        all,
        all.map(() => 1),
        { kind: "median" },
      ).update,
      [0.9, 2.1],
    );
    close(aggregateUpdates([v(1), v(2), v(3), v(100)], [1, 1, 1, 1], { kind: "median" }).update, [2.5]);
    // trimmed:0.2 of 7 drops ⌊1.4⌋ = 1 value at each end.
    const sorted0 = [-50, -49, 0.8, 0.9, 1, 1.1, 1.2].slice(1, 6);
    const sorted1 = [1.8, 1.9, 2, 2.1, 2.2, 80, 81].slice(1, 6);
    close(
      aggregateUpdates(
        all,
        all.map(() => 1),
        { kind: "trimmed", fraction: 0.2 },
      ).update,
      [sorted0.reduce((a, b) => a + b) / 5, sorted1.reduce((a, b) => a + b) / 5],
    );
  });

  test("Krum's scores by brute force, and Krum / Multi-Krum keep only honest updates", () => {
    const f = 2;
    const scores = krumScores(all, f);
    all.forEach((u, i) => {
      const d = all.map((w, j) =>
        j === i ? Number.POSITIVE_INFINITY : (u[0] - w[0]) ** 2 + (u[1] - w[1]) ** 2,
      );
      const expected = d
        .sort((a, b) => a - b)
        .slice(0, all.length - f - 2)
        .reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(scores[i] - expected) <= 1e-6 * Math.max(1, expected));
    });
    const krum = aggregateUpdates(
      all,
      all.map(() => 1),
      { kind: "krum", byzantine: f },
    );
    assert.equal(krum.selected!.length, 1);
    assert.ok(krum.selected![0] < honest.length);
    const multi = aggregateUpdates(
      all,
      all.map(() => 1),
      { kind: "multikrum", byzantine: f },
    );
    assert.deepEqual(multi.selected, [0, 1, 2, 3, 4]);
    close(multi.update, [1, 2]);
  });

  test("specs parse and bad ones name the option", () => {
    assert.deepEqual(parseAggregator("trimmed:0.1"), { kind: "trimmed", fraction: 0.1 });
    assert.deepEqual(parseAggregator("multikrum:2,5"), { kind: "multikrum", byzantine: 2, selected: 5 });
    assert.throws(() => parseAggregator("trimmed:0.5"), /--aggregate trimmed/);
    assert.throws(() => parseAggregator("average"), /--aggregate must be/);
  });
});

describe("server optimisers", () => {
  test("FedAvg adds η·Δ; FedAvgM accumulates momentum", () => {
    const w = v(1, 1);
    new ServerOptimizer(parseServerOptimizer("fedavg")).step(w, [0.5, -1]);
    close(w, [1.5, 0]);
    const m = v(0, 0);
    const optimizer = new ServerOptimizer(parseServerOptimizer("fedavgm:0.5,0.9"));
    optimizer.step(m, [1, 2]); // m = Δ
    optimizer.step(m, [1, 2]); // m = 0.9Δ + Δ
    close(m, [0.5 * 1 + 0.5 * 1.9, 0.5 * 2 + 0.5 * 3.8]);
  });

  test("FedAdam follows Reddi et al. 2021, Alg. 2 (no bias correction)", () => {
    const w = v(0);
    const optimizer = new ServerOptimizer({
      kind: "fedadam",
      learningRate: 0.1,
      beta1: 0.9,
      beta2: 0.99,
      tau: 1e-3,
    });
    optimizer.step(w, [2]);
    const m1 = 0.1 * 2;
    const v1 = 0.01 * 4;
    const w1 = (0.1 * m1) / (Math.sqrt(v1) + 1e-3);
    close(w, [w1]);
    optimizer.step(w, [-1]);
    const m2 = 0.9 * m1 - 0.1;
    const v2 = 0.99 * v1 + 0.01;
    close(w, [w1 + (0.1 * m2) / (Math.sqrt(v2) + 1e-3)]);
  });
});

describe("q-FFL", () => {
  test("q = 0 is the unweighted mean of the updates", () => {
    const clients = [
      { update: v(1, 0), loss: 0.2 },
      { update: v(0, 3), loss: 2 },
    ];
    close(qfflUpdate(clients, 0, 10), [0.5, 1.5]);
  });

  test("q > 0 matches q-FedAvg's formula and leans towards the worse-off client", () => {
    const clients = [
      { update: v(1, 0), loss: 0.2 },
      { update: v(0, 1), loss: 2 },
    ];
    const q = 2;
    const L = 10;
    // Δₖ = Fₖ^q L u_k, hₖ = q Fₖ^{q−1} L²‖uₖ‖² + L Fₖ^q.
    const h = clients.map(({ loss }) => q * loss ** (q - 1) * L * L + L * loss ** q);
    const expected = [(0.2 ** q * L) / (h[0] + h[1]), (2 ** q * L) / (h[0] + h[1])];
    const result = qfflUpdate(clients, q, L);
    close(result, expected, 1e-9);
    assert.ok(result[1] > 5 * result[0]);
  });
});
