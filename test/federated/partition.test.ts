/** Partitions: disjoint and complete, reproducible, and as skewed as their parameter says. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import { dirichlet, gamma, parsePartition, partitionRows } from "../../src/federated/partition.js";

function labelsOf(n: number, seed: number): Float32Array {
  const random = createRandom(seed);
  return Float32Array.from({ length: n }, () => (random.uniform() < 0.3 ? 1 : 0));
}

function checkDisjointAndComplete(parts: Int32Array[], n: number): void {
  const seen = new Uint8Array(n);
  for (const part of parts) for (const row of part) seen[row]++;
  assert.ok(
    seen.every((count) => count === 1),
    "every row in exactly one client",
  );
}

/** Mean total-variation distance between the clients' class mix and the overall one. */
function labelSkew(parts: Int32Array[], labels: Float32Array): number {
  const overall = labels.reduce((a, b) => a + b, 0) / labels.length;
  return (
    parts.reduce(
      (s, part) => s + Math.abs(part.reduce((a, row) => a + labels[row], 0) / part.length - overall),
      0,
    ) / parts.length
  );
}

test("iid: equal sizes, disjoint, reproducible", () => {
  const labels = labelsOf(1003, 1);
  const parts = partitionRows({ kind: "iid" }, { labels, clients: 10 }, createRandom(7));
  checkDisjointAndComplete(parts, labels.length);
  assert.ok(parts.every((p) => p.length === 100 || p.length === 101));
  assert.deepEqual(partitionRows({ kind: "iid" }, { labels, clients: 10 }, createRandom(7)), parts);
  assert.ok(labelSkew(parts, labels) < 0.05);
});

test("dirichlet: small α skews the labels far more than large α, every client keeps ≥ 10 rows", () => {
  const labels = labelsOf(5000, 2);
  const skewed = partitionRows({ kind: "dirichlet", alpha: 0.1 }, { labels, clients: 10 }, createRandom(1));
  const mild = partitionRows({ kind: "dirichlet", alpha: 100 }, { labels, clients: 10 }, createRandom(1));
  checkDisjointAndComplete(skewed, labels.length);
  checkDisjointAndComplete(mild, labels.length);
  assert.ok(skewed.every((p) => p.length >= 10));
  assert.ok(labelSkew(skewed, labels) > 3 * labelSkew(mild, labels));
});

test("group-skew: half the clients hold mostly one group, the other half mostly the other", () => {
  const n = 4000;
  const groups = Int32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1)); // a third in group 0
  const parts = partitionRows(
    { kind: "group-skew", skew: 0.8 },
    { labels: labelsOf(n, 3), groups, clients: 10 },
    createRandom(2),
  );
  checkDisjointAndComplete(parts, n);
  const share0 = parts.map((p) => p.reduce((a, row) => a + (groups[row] === 0 ? 1 : 0), 0) / p.length);
  // Expected shares: 0.82 for clients dominant in group 0 (even ids), 0.05 for the others.
  share0.forEach((share, k) => {
    if (k % 2 === 0) assert.ok(share > 0.7, `${k}: ${share}`);
    else assert.ok(share < 0.15, `${k}: ${share}`);
  });
});

test("Gamma and Dirichlet draws have the right means and variances", () => {
  const random = createRandom(4);
  for (const shape of [0.3, 1, 4.5]) {
    const n = 40000;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const x = gamma(shape, random);
      sum += x;
      squares += x * x;
    }
    const mean = sum / n;
    const variance = squares / n - mean * mean;
    assert.ok(Math.abs(mean - shape) < 5 * Math.sqrt(shape / n), `Gamma(${shape}) mean ${mean}`);
    assert.ok(Math.abs(variance - shape) < 0.1 * shape, `Gamma(${shape}) variance ${variance}`);
  }
  const draws = Array.from({ length: 5000 }, () => dirichlet(4, 0.5, random));
  for (const d of draws) assert.ok(Math.abs(d.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const firstMean = draws.reduce((s, d) => s + d[0], 0) / draws.length;
  assert.ok(Math.abs(firstMean - 0.25) < 0.02);
});

test("partition specs parse, and bad ones are refused with the option's name", () => {
  assert.deepEqual(parsePartition("dirichlet:0.3"), { kind: "dirichlet", alpha: 0.3 });
  assert.deepEqual(parsePartition("group-skew"), { kind: "group-skew", skew: 0.8 });
  assert.throws(() => parsePartition("dirichlet:-1"), /--partition dirichlet/);
  assert.throws(() => parsePartition("random"), /--partition must be/);
});
