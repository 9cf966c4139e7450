/**
 * The simulation end to end on the bundled synthetic task (2,800 training rows):
 * reproducible across thread counts, secure aggregation changes the model only by
 * quantisation, ε per round is the shared accountant's exactly, attacks and defences
 * behave as the literature says, and impossible combinations are refused up front.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { UsageError } from "../../src/common/errors.js";
import { toJson } from "../../src/common/json.js";
import type { PreparedTask } from "../../src/data/index.js";
import { prepareTask } from "../../src/data/index.js";
import type { FederatedConfigInput } from "../../src/federated/config.js";
import { distributedEpsilon, planDistributedNoise } from "../../src/federated/distributed-dp.js";
import { prepareFederatedTask } from "../../src/federated/prepare.js";
import { federatedReportSchema } from "../../src/federated/report.js";
import { simulateFederated } from "../../src/federated/simulation.js";
import { createAccountant } from "../../src/privacy/accountants/index.js";

let task: PreparedTask;
before(async () => {
  task = await prepareTask({ data: "synthetic" });
});

const base: FederatedConfigInput = {
  clients: 10,
  rounds: 4,
  model: "logreg",
  workers: 1,
  local: { epochs: 1, batchSize: 16, learningRate: 0.1 },
};

const maxDifference = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe("federated simulation", () => {
  test("the same seed gives the same model with one thread and with two", async () => {
    const one = await simulateFederated(task, {
      ...base,
      rounds: 2,
      model: "mlp:8",
      workers: 1,
      partition: { kind: "dirichlet", alpha: 0.5 },
    });
    const two = await simulateFederated(task, {
      ...base,
      rounds: 2,
      model: "mlp:8",
      workers: 2,
      partition: { kind: "dirichlet", alpha: 0.5 },
    });
    assert.equal(two.report.threads, 2);
    assert.deepEqual(two.weights, one.weights);
    assert.deepEqual(
      two.report.rounds.map((r) => r.evaluation),
      one.report.rounds.map((r) => r.evaluation),
    );
    const other = await simulateFederated(task, {
      ...base,
      rounds: 2,
      model: "mlp:8",
      seed: 1,
      partition: { kind: "dirichlet", alpha: 0.5 },
    });
    assert.notDeepEqual(other.weights, one.weights);
  });

  test("secure aggregation with the clients on two threads gives the same models as on one", async () => {
    const config: FederatedConfigInput = {
      ...base,
      rounds: 3,
      model: "mlp:8",
      secure: { graph: "complete", dropout: 0.3 },
    };
    const one = await simulateFederated(task, { ...config, workers: 1 });
    const two = await simulateFederated(task, { ...config, workers: 2 });
    assert.equal(two.report.threads, 2);
    assert.deepEqual(two.weights, one.weights);
    const outcome = (r: (typeof one.report.rounds)[number]) => [r.included, r.aborted, r.secure?.dropped];
    assert.deepEqual(two.report.rounds.map(outcome), one.report.rounds.map(outcome));
    assert.ok(
      one.report.rounds.some((r) => Object.values(r.secure!.dropped).flat().length > 0),
      "some client dropped",
    );
  });

  test("secure aggregation changes the model only by quantisation; dropouts are recovered or abort with a reason", async () => {
    const plain = await simulateFederated(task, base);
    const secure = await simulateFederated(task, { ...base, secure: { graph: "complete" } });
    // Equal-size IID clients: the unweighted secure mean is FedAvg's weighted mean.
    assert.ok(maxDifference(secure.weights, plain.weights) < 1e-5);
    assert.equal(secure.report.secure?.ringBits, 32);
    const dropping = await simulateFederated(task, {
      ...base,
      rounds: 6,
      secure: { graph: "secagg+", dropout: 0.3 },
    });
    for (const round of dropping.report.rounds) {
      const dropped = Object.values(round.secure!.dropped).flat().length;
      if (round.aborted) assert.match(round.aborted, /threshold|needed|at least/);
      else
        assert.equal(
          round.included,
          round.sampled -
            round.secure!.dropped.advertise.length -
            round.secure!.dropped.share.length -
            round.secure!.dropped.input.length,
        );
      assert.ok(dropped <= round.sampled);
    }
    assert.ok(
      dropping.report.rounds.some((r) => Object.values(r.secure!.dropped).flat().length > 0),
      "some client dropped",
    );
  });

  for (const accountant of ["rdp", "prv"] as const) {
    test(`central DP: the ε of every round is the shared ${accountant} accountant's for (q = 0.1, σ, rounds), exactly`, async () => {
      const noise = 1.1;
      const result = await simulateFederated(task, {
        ...base,
        clients: 100,
        sampleRate: 0.1,
        rounds: 3,
        dp: { noise, clip: 1, accountant, seed: 3 },
      });
      result.report.rounds.forEach((round, k) => {
        const reference = createAccountant(accountant);
        reference.step(0.1, noise, k + 1);
        assert.equal(round.epsilon, reference.epsilon(1e-5));
      });
      assert.equal(result.report.privacy.epsilon, result.report.rounds[2].epsilon);
      assert.equal(result.report.privacy.suitableForRelease, false, "seeded noise is not for release");
      assert.ok(result.report.privacy.notCovered.length > 0);
    });
  }

  test("preprocessing fitted on the clients' rows is labelled not covered by ε; public metadata is not", async () => {
    const dp = { noise: 1, clip: 1 };
    const fitted = await simulateFederated(task, { ...base, rounds: 1, dp });
    assert.ok(fitted.report.privacy.notCovered.some((line) => /every client's rows in the clear/.test(line)));
    assert.equal(fitted.report.privacy.suitableForRelease, false);
    const publicTask = await prepareFederatedTask({ data: "synthetic" }, { private: true });
    assert.equal(publicTask.task.preprocessing.mode, "public");
    const declared = await simulateFederated(publicTask.task, { ...base, rounds: 1, dp });
    assert.ok(
      !declared.report.privacy.notCovered.some((line) =>
        /clients' rows|client's rows in the clear/.test(line),
      ),
    );
    assert.equal(declared.report.privacy.suitableForRelease, true);
  });

  test("distributed DP: ε per round is the distributed discrete Gaussian's, ε against the server is larger", async () => {
    const config: FederatedConfigInput = {
      ...base,
      clients: 20,
      sampleRate: 0.5,
      rounds: 2,
      secure: { graph: "complete" },
      dp: { mode: "distributed", noise: 1, clip: 1, seed: 1 },
    };
    const result = await simulateFederated(task, config);
    const plan = planDistributedNoise({
      noise: 1,
      clip: 1,
      dimension: result.weights.length,
      expectedClients: 10,
    });
    result.report.rounds.forEach((round, k) => {
      assert.equal(round.epsilon, distributedEpsilon(plan, result.weights.length, 0.5, k + 1, 1e-5));
      assert.ok(Number.isFinite(round.evaluation.accuracy));
    });
    assert.ok(result.report.privacy.epsilonAgainstServer! > result.report.privacy.epsilon);
  });

  test("20 % sign-flipping clients wreck the mean; median, trimmed mean and Krum hold", async () => {
    const attack = { fraction: 0.2, spec: { kind: "sign-flip" as const, scale: 10 } };
    const clean = (await simulateFederated(task, { ...base, rounds: 6 })).report.final.accuracy;
    const mean = (await simulateFederated(task, { ...base, rounds: 6, attack })).report.final.accuracy;
    assert.ok(mean < clean - 0.2, `mean under attack ${mean} vs clean ${clean}`);
    for (const aggregator of [
      { kind: "median" },
      { kind: "trimmed", fraction: 0.2 },
      { kind: "krum" },
    ] as const) {
      const robust = (await simulateFederated(task, { ...base, rounds: 6, attack, aggregator })).report.final
        .accuracy;
      assert.ok(robust > clean - 0.02, `${aggregator.kind} under attack ${robust} vs clean ${clean}`);
    }
  });

  test("the report round-trips through JSON and its schema, with ε = Infinity without DP", async () => {
    const { report } = await simulateFederated(task, {
      ...base,
      rounds: 1,
      attack: { fraction: 0.2, spec: { kind: "backdoor", boost: 1 } },
    });
    const parsed = federatedReportSchema.parse(JSON.parse(toJson(report)));
    assert.equal(parsed.privacy.epsilon, Number.POSITIVE_INFINITY);
    assert.equal(parsed.rounds[0].epsilon, Number.POSITIVE_INFINITY);
    assert.equal(parsed.clients.filter((c) => c.malicious).length, 2);
    assert.ok(parsed.final.backdoorSuccess! >= 0 && parsed.final.backdoorSuccess! <= 1);
    assert.equal(parsed.final.groups.length, 2);
    assert.equal(parsed.rounds[0].clientAccuracy.values!.length, 10);
  });

  test("combinations that cannot work are refused before any work, naming the options", async () => {
    const refused = [
      [
        { secure: { graph: "complete" }, aggregator: { kind: "median" } },
        /--aggregate median needs every update in the clear/,
      ],
      [{ dp: { noise: 1, clip: 1 }, aggregator: { kind: "krum" } }, /--aggregate krum/],
      [{ dp: { noise: 1, clip: 1 }, normBound: 2 }, /--norm-bound/],
      [{ dp: { mode: "distributed", noise: 1, clip: 1 } }, /needs --secure/],
      [{ qffl: 1, secure: { graph: "complete" } }, /--qffl/],
    ] as const;
    for (const [extra, message] of refused) {
      await assert.rejects(
        simulateFederated(task, { ...base, ...extra } as FederatedConfigInput),
        (error: unknown) => error instanceof UsageError && message.test(error.message),
      );
    }
  });
});
