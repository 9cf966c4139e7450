/**
 * Secure aggregation with the simulated clients in worker threads: the same sum, the
 * same included and dropped clients and the same messages in the same order as with
 * the clients in-process, for the same inputs, graph and dropouts; a client that
 * refuses in a worker drops out as in-process; any other error rejects the round.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import { createSecAggClientHost, type SecAggClientHost } from "../../src/federated/secagg/client-host.js";
import { aggregateSecurely, type LocalRoundOptions } from "../../src/federated/secagg/local-round.js";
import { type ClientMessage, type MaskedInput, SecAggAbort } from "../../src/federated/secagg/messages.js";
import type { SecAggPhase, SecAggSettings } from "../../src/federated/secagg/server.js";

const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const PHASES = ["advertise", "share", "input", "unmask"] as const;
type Phase = Exclude<SecAggPhase, "done">;

function randomInputs(clients: number[], length: number, seed: number): Map<number, Uint32Array> {
  const random = createRandom(seed);
  return new Map(clients.map((id) => [id, Uint32Array.from({ length }, () => random.uint32())]));
}

function plainSum(inputs: Map<number, Uint32Array>, included: number[]): Uint32Array {
  const sum = new Uint32Array(inputs.values().next().value!.length);
  for (const id of included) {
    const x = inputs.get(id)!;
    for (let k = 0; k < sum.length; k++) sum[k] = (sum[k] + x[k]) >>> 0;
  }
  return sum;
}

/** What a round shows from outside: its result or its rejection, and the server's view as (kind, sender). */
async function outcome(
  inputs: Map<number, Uint32Array>,
  settings: SecAggSettings,
  options: LocalRoundOptions,
) {
  const seen: string[] = [];
  try {
    const result = await aggregateSecurely(inputs, 3, settings, {
      ...options,
      observe: (message) => seen.push(`${message.kind} ${message.client}`),
    });
    return { sum: result.sum, included: result.included, dropped: result.dropped, seen };
  } catch (error) {
    assert.ok(error instanceof Error);
    return { rejected: `${error.constructor.name} ${error.name}: ${error.message}`, seen };
  }
}

const harary = { graph: { kind: "harary", degree: 8 } as const, thresholdFraction: 0.3 };

let host: SecAggClientHost;
before(async () => {
  host = await createSecAggClientHost(2);
});
after(async () => {
  await host.close();
});

describe("secure aggregation with the clients on two threads", () => {
  const scenarios: { name: string; clients: number; settings: SecAggSettings; options: LocalRoundOptions }[] =
    [
      { name: "no dropouts", clients: 30, settings: harary, options: { graphSeed: 1 } },
      ...PHASES.map((phase) => ({
        name: `20 % drop from phase '${phase}'`,
        clients: 30,
        settings: harary,
        options: {
          graphSeed: 2,
          dropouts: new Map(ids(6).map((k) => [k * 5 - 2, phase] as const)),
        },
      })),
      {
        name: "30 % dropouts over the four phases",
        clients: 30,
        settings: harary,
        options: {
          graphSeed: 12,
          dropouts: new Map(ids(9).map((k) => [k * 3, PHASES[k % 4]] as [number, Phase])),
        },
      },
      {
        name: "too many dropouts: the round aborts",
        clients: 6,
        settings: { graph: { kind: "complete" } },
        options: { dropouts: new Map(ids(4).map((id) => [id, "share"] as const)) },
      },
      {
        name: "a masked input of the wrong length is refused by the server",
        clients: 8,
        settings: { graph: { kind: "complete" } },
        options: {
          tamper: (message: ClientMessage) =>
            message.kind === "masked-input" && message.client === 4
              ? ({ ...message, vector: message.vector.subarray(0, 31) } as MaskedInput)
              : message,
        },
      },
      {
        name: "a corrupted ciphertext makes its recipient refuse in its worker",
        clients: 8,
        settings: { graph: { kind: "complete" } },
        options: {
          tamper: (message: ClientMessage) =>
            message.kind === "share-keys" && message.client === 3
              ? {
                  ...message,
                  shares: message.shares.map((s) =>
                    s.to === 6 ? { ...s, ciphertext: s.ciphertext.map((b, k) => (k === 20 ? b ^ 1 : b)) } : s,
                  ),
                }
              : message,
        },
      },
    ];
  for (const { name, clients, settings, options } of scenarios) {
    test(`${name}: the same outcome as in-process`, async () => {
      const inputs = randomInputs(ids(clients), 64, clients + name.length);
      const inProcess = await outcome(inputs, settings, options);
      const threaded = await outcome(inputs, settings, { ...options, host });
      assert.deepEqual(threaded, inProcess);
      if (inProcess.sum) assert.deepEqual(inProcess.sum, plainSum(inputs, inProcess.included));
    });
  }

  test("the scenarios cover a client refusing in a worker, and an abort", async () => {
    const corrupted = scenarios.at(-1)!;
    const result = await aggregateSecurely(randomInputs(ids(8), 8, 1), 1, corrupted.settings, {
      ...corrupted.options,
      host,
    });
    assert.deepEqual(result.dropped.input, [6]); // client 6 could not open client 3's shares
    assert.deepEqual(result.included, [1, 2, 3, 4, 5, 7, 8]);
    await assert.rejects(
      aggregateSecurely(
        randomInputs(ids(6), 8, 1),
        1,
        { graph: { kind: "complete" } },
        { ...scenarios.find((s) => s.name.startsWith("too many"))!.options, host },
      ),
      (error: unknown) => error instanceof SecAggAbort && /threshold is 3|3 are needed/.test(error.message),
    );
  });

  test("threads: 2 without a host starts and closes its own workers", async () => {
    const inputs = randomInputs(ids(10), 16, 4);
    const result = await aggregateSecurely(inputs, 1, { graph: { kind: "complete" } }, { threads: 2 });
    assert.deepEqual(result.included, ids(10));
    assert.deepEqual(result.sum, plainSum(inputs, ids(10)));
    assert.ok(result.seconds.client > 0);
  });
});

describe("errors inside a worker", () => {
  test("an error other than a refusal rejects the round with its message; the host serves the next round", async () => {
    const inputs = randomInputs(ids(6), 16, 5);
    inputs.set(3, Uint32Array.of(1, 2, 3));
    await assert.rejects(
      aggregateSecurely(inputs, 1, { graph: { kind: "complete" } }, { host }),
      (error: unknown) =>
        error instanceof RangeError && error.message === "the input has 3 words, the round expects 16",
    );
    const good = randomInputs(ids(6), 16, 6);
    const result = await aggregateSecurely(good, 2, { graph: { kind: "complete" } }, { host });
    assert.deepEqual(result.sum, plainSum(good, ids(6)));
  });

  test("a host runs one round at a time, and a closed host is refused", async () => {
    const inputs = randomInputs(ids(4), 8, 7);
    const complete = { graph: { kind: "complete" } } as const;
    const first = aggregateSecurely(inputs, 1, complete, { host });
    await assert.rejects(aggregateSecurely(inputs, 2, complete, { host }), /one round at a time/);
    await first;
    const closing = await createSecAggClientHost(2);
    await closing.close();
    await assert.rejects(aggregateSecurely(inputs, 1, complete, { host: closing }), /closed/);
  });

  test("one thread is the in-process round", async () => {
    const single = await createSecAggClientHost(1);
    assert.equal(single.threads, 1);
    const inputs = randomInputs(ids(4), 8, 8);
    const result = await aggregateSecurely(inputs, 1, { graph: { kind: "complete" } }, { host: single });
    assert.deepEqual(result.sum, plainSum(inputs, ids(4)));
    await single.close();
  });
});
