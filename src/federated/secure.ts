/**
 * Aggregation of one simulated round through secure aggregation: honest clients clip
 * their update to the bound (the ring's range must be fixed in advance, since the
 * server cannot look), encode it in Z_{2^32} with stochastic rounding and — under
 * distributed DP — add their share of discrete Gaussian noise; malicious clients
 * send whatever they crafted (in a real deployment they could send any ring element:
 * secure aggregation has no per-client check). The protocol then runs between
 * in-process clients and server, with simulated dropouts.
 *
 * What the server can still do on the sum alone: bound the aggregate's norm and
 * reject a round (see simulation.ts). What it cannot do: tell which client sent a
 * poisoned update, or apply median, trimmed mean or Krum (tested in
 * test/federated/secure-aggregation-limits.test.ts).
 */
import type { Random } from "../common/rng.js";
import type { FederatedConfig } from "./config.js";
import { type DistributedNoisePlan, distributedNoiseShare, planDistributedNoise } from "./distributed-dp.js";
import type { LocalUpdate } from "./local-training.js";
import type { RoundRecord } from "./report.js";
import type { SecAggClientHost } from "./secagg/client-host.js";
import { recommendedDegree } from "./secagg/graph.js";
import { aggregateSecurely } from "./secagg/local-round.js";
import { SecAggAbort } from "./secagg/messages.js";
import { addIntegersInto, decode, encode, fixedPointFor } from "./secagg/ring.js";
import type { SecAggPhase } from "./secagg/server.js";
import { clipToNorm } from "./vectors.js";

const PHASES: Exclude<SecAggPhase, "done">[] = ["advertise", "share", "input", "unmask"];

export interface SecureRoundOptions {
  round: number;
  dimension: number;
  /** L2 bound honest clients clip to; also the per-coordinate range of the encoding. */
  bound: number;
  honest: (client: number) => boolean;
  dp: FederatedConfig["dp"];
  /** q·N, the expected number of clients per round (distributed DP's noise is split among them). */
  expectedClients: number;
  random: Random;
  /** Worker threads for the clients' side of the protocol (default: in-process). */
  host?: SecAggClientHost;
}

export interface SecureRoundResult {
  /** Σ of the included updates (with the clients' noise under distributed DP); undefined if aborted. */
  sum?: Float64Array;
  included: number[];
  aborted?: string;
  secure: NonNullable<RoundRecord["secure"]>;
}

export async function secureAggregate(
  updates: ReadonlyMap<number, LocalUpdate>,
  settings: NonNullable<FederatedConfig["secure"]>,
  options: SecureRoundOptions,
): Promise<SecureRoundResult> {
  const ids = [...updates.keys()].sort((a, b) => a - b);
  const emptyDrops = { advertise: [], share: [], input: [], unmask: [] };
  const noSeconds = { client: 0, server: 0 };
  if (ids.length < 2) {
    return {
      included: [],
      aborted: `secure aggregation needs at least 2 clients, ${ids.length} took part`,
      secure: { dropped: emptyDrops, seconds: noSeconds },
    };
  }
  const plan: DistributedNoisePlan | undefined =
    options.dp?.mode === "distributed"
      ? planDistributedNoise({
          ...options.dp,
          dimension: options.dimension,
          expectedClients: options.expectedClients,
          participants: ids.length,
        })
      : undefined;
  if (plan && ids.length < plan.minimumClients) {
    return {
      included: [],
      aborted: `distributed DP needs at least ${plan.minimumClients} clients' noise, ${ids.length} were sampled`,
      secure: { dropped: emptyDrops, seconds: noSeconds },
    };
  }
  const fixedPoint = plan?.fixedPoint ?? fixedPointFor(options.bound, ids.length);
  const inputs = new Map<number, Uint32Array>();
  for (const id of ids) {
    const clientRandom = options.random.fork();
    const update = updates.get(id)!.update;
    const sent = options.honest(id) ? clipToNorm(update, options.bound).vector : update;
    const encoded = encode(sent, fixedPoint, clientRandom);
    if (plan && options.honest(id))
      addIntegersInto(encoded, distributedNoiseShare(plan.shareVariance, options.dimension, clientRandom));
    inputs.set(id, encoded);
  }
  const dropouts = new Map<number, Exclude<SecAggPhase, "done">>();
  for (const id of ids) {
    if (settings.dropout > 0 && options.random.uniform() < settings.dropout)
      dropouts.set(id, PHASES[options.random.integer(PHASES.length)]);
  }
  const graph =
    settings.graph === "complete"
      ? ({ kind: "complete" } as const)
      : ({
          kind: "harary",
          degree:
            settings.degree ??
            recommendedDegree(ids.length, { thresholdFraction: settings.thresholdFraction }),
        } as const);
  try {
    const result = await aggregateSecurely(
      inputs,
      options.round,
      { graph, thresholdFraction: settings.thresholdFraction, minimumInputs: plan?.minimumClients },
      { dropouts, host: options.host },
    );
    return {
      sum: decode(result.sum, fixedPoint),
      included: result.included,
      secure: { dropped: result.dropped, seconds: result.seconds },
    };
  } catch (error) {
    if (!(error instanceof SecAggAbort)) throw error;
    return {
      included: [],
      aborted: error.message,
      secure: { dropped: { ...emptyDrops, ...droppedBy(dropouts) }, seconds: noSeconds },
    };
  }
}

function droppedBy(
  dropouts: Map<number, Exclude<SecAggPhase, "done">>,
): Record<Exclude<SecAggPhase, "done">, number[]> {
  const out: Record<Exclude<SecAggPhase, "done">, number[]> = {
    advertise: [],
    share: [],
    input: [],
    unmask: [],
  };
  for (const [id, phase] of dropouts) out[phase].push(id);
  return out;
}
