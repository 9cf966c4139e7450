/**
 * The distributed discrete Gaussian: noise shares of the planned variance (the exact
 * sampler itself is tested in test/privacy), and the accounting against values
 * computed on this machine with Google's reference implementation (google-research/federated,
 * distributed_dp/accounting_utils.py: compute_rdp_dgaussian_simplified with
 * _compute_rdp_subsampled, upper_bound=True), and against closed forms.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import {
  type DistributedNoisePlan,
  ddgTau,
  distributedEpsilon,
  distributedGaussianRdp,
  distributedNoiseShare,
  planDistributedNoise,
  poissonSampledRdp,
} from "../../src/federated/distributed-dp.js";
import { normalCdf } from "../../src/math/normal.js";
import { kolmogorovSmirnov, RdpAccountant, sampledGaussianRdp } from "../../src/privacy/index.js";

describe("noise shares", () => {
  test("a plan's share has the planned variance: the normal law at that scale, from the project's exact sampler", () => {
    const plan = planDistributedNoise({ noise: 1, clip: 1, dimension: 11000, expectedClients: 10 });
    const share = distributedNoiseShare(plan.shareVariance, 6000, createRandom(5));
    const sd = Math.sqrt(Number(plan.shareVariance));
    const ks = kolmogorovSmirnov(
      Array.from(share, (x) => x / sd),
      normalCdf,
    );
    assert.ok(ks.pValue > 1e-3, `KS p = ${ks.pValue}`);
    assert.ok(share.every(Number.isInteger));
  });
});

describe("accounting of the distributed discrete Gaussian", () => {
  // From Google's accounting_utils (see the file header): per (share variance, m, Δ, d, q, rounds).
  const references: {
    plan: DistributedNoisePlan;
    dimension: number;
    q: number;
    rounds: number;
    tau: number;
    orders: number[];
    rdp: number[];
  }[] = [
    {
      plan: {
        fixedPoint: { bound: 1, scale: 65536 },
        shareVariance: 861745049n,
        minimumClients: 5,
        sensitivity: 65536 + Math.sqrt(11000),
      },
      dimension: 11000,
      q: 0.1,
      rounds: 50,
      tau: 0,
      orders: [2, 3, 4, 8, 16, 32, 64, 128, 256],
      rdp: [
        0.8518431612924315, 2.510839908378948, 5.8179803244367525, 76.76492702160044, 280.85764935273943,
        682.9288534212441, 1483.9152107602322, 3084.3967390724683, 6284.634669777897,
      ],
    },
    {
      plan: { fixedPoint: { bound: 1, scale: 10 }, shareVariance: 4n, minimumClients: 3, sensitivity: 10 },
      dimension: 100,
      q: 0.05,
      rounds: 100,
      tau: 7.157179628060208e-17,
      orders: [2, 3, 4, 8, 16, 32, 64, 128, 256],
      rdp: [
        243.34515013762763, 855.5708301271873, 1303.8561065169224, 3006.6583919081377, 6354.445972745365,
        13027.640364091209, 26364.082137747966, 53032.26631071426, 106366.34947068976,
      ],
    },
    {
      plan: { fixedPoint: { bound: 1, scale: 3 }, shareVariance: 2n, minimumClients: 10, sensitivity: 3 },
      dimension: 1000,
      q: 0.01,
      rounds: 1000,
      tau: 2.679168574029404e-8,
      orders: [2, 3, 4, 8, 16, 32, 64, 128, 256],
      rdp: [
        0.056829781974077065, 0.08967274061677522, 0.12547820609324725, 0.29855500517918443,
        0.7921742889645422, 2481.822624861948, 9739.196956582844, 24167.245913592767, 52981.105398257176,
      ],
    },
  ];

  for (const [k, ref] of references.entries()) {
    test(`RDP of the sampled distributed discrete Gaussian matches the reference (case ${k + 1})`, () => {
      assert.ok(
        Math.abs(ddgTau(Number(ref.plan.shareVariance), ref.plan.minimumClients) - ref.tau) <=
          1e-12 * Math.max(1, ref.tau),
      );
      const perRound = (order: number) => distributedGaussianRdp(ref.plan, ref.dimension, order);
      ref.orders.forEach((order, i) => {
        const ours = ref.rounds * poissonSampledRdp(ref.q, order, perRound);
        assert.ok(
          Math.abs(ours - ref.rdp[i]) <= 1e-9 * ref.rdp[i],
          `order ${order}: ${ours} vs ${ref.rdp[i]}`,
        );
      });
    });
  }

  test("without sampling and with τ = 0, one round is exactly the Gaussian mechanism with z = σ/Δ", () => {
    const plan = references[0].plan;
    const z = Math.sqrt(plan.minimumClients * Number(plan.shareVariance)) / plan.sensitivity;
    for (const order of [2, 5, 17, 64]) {
      const ours = poissonSampledRdp(1, order, (a) => distributedGaussianRdp(plan, 11000, a));
      assert.ok(Math.abs(ours - sampledGaussianRdp(1, z, order)) <= 1e-12 * ours);
    }
  });

  test("Zhu & Wang's bound is an upper bound of the exact sampled Gaussian, and sampling helps", () => {
    const plan = references[0].plan;
    const z = Math.sqrt(plan.minimumClients * Number(plan.shareVariance)) / plan.sensitivity;
    const perRound = (a: number) => distributedGaussianRdp(plan, 11000, a);
    for (const order of [2, 4, 8, 16, 32]) {
      const bound = poissonSampledRdp(0.1, order, perRound);
      assert.ok(bound >= sampledGaussianRdp(0.1, z, order) - 1e-12, `order ${order}`);
      assert.ok(bound <= perRound(order));
    }
    const sampled = distributedEpsilon(plan, 11000, 0.1, 50, 1e-5);
    const unsampled = distributedEpsilon(plan, 11000, 1, 50, 1e-5);
    const gaussian = new RdpAccountant();
    gaussian.step(0.1, z, 50);
    assert.ok(sampled < unsampled);
    assert.ok(sampled >= gaussian.epsilon(1e-5) - 1e-9);
  });

  test("a plan's shares carry at least the accounted noise, and overflowing plans are refused", () => {
    const plan = planDistributedNoise({ noise: 1.3, clip: 2, dimension: 500, expectedClients: 12 });
    assert.equal(plan.minimumClients, 6);
    const total = plan.minimumClients * Number(plan.shareVariance);
    assert.ok(total >= (1.3 * plan.sensitivity) ** 2);
    assert.ok(total < (1.3 * plan.sensitivity) ** 2 + plan.minimumClients);
    assert.throws(
      () =>
        planDistributedNoise({
          noise: 2000,
          clip: 1,
          dimension: 10,
          expectedClients: 100,
          participants: 100,
        }),
      /overflow/,
    );
  });
});
