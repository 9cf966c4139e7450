/**
 * A whole secure-aggregation round between in-process clients and a server: the
 * simulation's aggregation step and the reference the network version is tested
 * against. Messages pass by reference, but every one goes through the same checks
 * as on the wire. Dropouts are scripted: a client listed in `dropouts` falls silent
 * from the given phase on (it sends nothing in that phase or later).
 */
import { SecAggClient } from "./client.js";
import { importPublicKey, type PublicKey } from "./crypto.js";
import { type ClientMessage, ProtocolViolation, SecAggAbort } from "./messages.js";
import {
  createRoundSetup,
  type SecAggPhase,
  type SecAggResult,
  SecAggServer,
  type SecAggSettings,
} from "./server.js";

/**
 * Options of an in-process secure-aggregation round: simulated dropouts, and hooks for tests.
 *
 * @example
 * ```ts
 * import { aggregateSecurely, type LocalRoundOptions } from "equipoise/federated";
 * const inputs = new Map([[1, [1, 2]], [2, [3, 4]], [3, [5, 6]], [4, [7, 8]]].map(([id, v]) => [id as number, Uint32Array.from(v as number[])]));
 * const options: LocalRoundOptions = { dropouts: new Map([[4, "input"]]) }; // client 4 sends no masked input
 * const { sum, included } = await aggregateSecurely(inputs, 1, { graph: { kind: "complete" } }, options);
 * // sum [9, 12]: the inputs of included = [1, 2, 3]
 * ```
 */
export interface LocalRoundOptions {
  /** Client → the first phase in which it sends nothing. */
  dropouts?: ReadonlyMap<number, Exclude<SecAggPhase, "done">>;
  /** Sees every message the server receives (the server's view, for tests). */
  observe?: (message: ClientMessage) => void;
  /** Replaces a client's message before the server sees it (malformed, replayed... for tests). */
  tamper?: (message: ClientMessage) => ClientMessage;
  /** Fixes the SecAgg+ graph (tests that check an outcome against it); normally fresh. */
  graphSeed?: number;
}

/**
 * What {@link aggregateSecurely} returns: the round's sum, who is in it and who dropped, and the time each side spent.
 *
 * @example
 * ```ts
 * import { aggregateSecurely, type LocalRoundResult } from "equipoise/federated";
 * const inputs = new Map([[1, Uint32Array.from([1, 2])], [2, Uint32Array.from([3, 4])], [3, Uint32Array.from([5, 6])]]);
 * const result: LocalRoundResult = await aggregateSecurely(inputs, 1, { graph: { kind: "complete" } });
 * console.log(result.sum, result.included, result.dropped.input); // [9, 12], [1, 2, 3], []
 * console.log(result.seconds.client, result.seconds.server); // time spent on either side
 * ```
 */
export interface LocalRoundResult extends SecAggResult {
  seconds: { client: number; server: number };
}

/**
 * Runs one round over `inputs` (client id → ring vector); throws SecAggAbort below threshold.
 *
 * @example
 * ```ts
 * import { aggregateSecurely } from "equipoise/federated";
 * const inputs = new Map([
 *   [1, Uint32Array.from([1, 2])],
 *   [2, Uint32Array.from([3, 4])],
 *   [3, Uint32Array.from([5, 6])],
 * ]);
 * const { sum, included } = await aggregateSecurely(inputs, 1, { graph: { kind: "complete" } }); // [9, 12]
 * ```
 */
export async function aggregateSecurely(
  inputs: ReadonlyMap<number, Uint32Array>,
  round: number,
  settings: SecAggSettings,
  options: LocalRoundOptions = {},
): Promise<LocalRoundResult> {
  const ids = [...inputs.keys()].sort((a, b) => a - b);
  const vectorLength = inputs.get(ids[0])?.length ?? 0;
  const setup = createRoundSetup(round, ids, vectorLength, settings, options.graphSeed);
  const server = new SecAggServer(setup);
  // One import per advertised key for the whole simulated round (public values only).
  const imported = new Map<string, Promise<PublicKey>>();
  const importOnce = (publicKey: Uint8Array) => {
    const text = Array.from(publicKey, (byte) => byte.toString(16).padStart(2, "0")).join("");
    let key = imported.get(text);
    if (!key) imported.set(text, (key = importPublicKey(publicKey)));
    return key;
  };
  const clients = new Map(ids.map((id) => [id, new SecAggClient(id, importOnce)]));
  const silent = (id: number, phase: Exclude<SecAggPhase, "done">) => {
    const from = options.dropouts?.get(id);
    if (from === undefined) return false;
    const order: SecAggPhase[] = ["advertise", "share", "input", "unmask"];
    return order.indexOf(phase) >= order.indexOf(from);
  };
  const seconds = { client: 0, server: 0 };
  const timed = async <T>(side: "client" | "server", work: () => Promise<T> | T): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      seconds[side] += (performance.now() - start) / 1000;
    }
  };
  const deliver = (message: ClientMessage) => {
    const seen = options.tamper ? options.tamper(message) : message;
    options.observe?.(seen);
    try {
      server.receive(seen);
    } catch (error) {
      if (!(error instanceof ProtocolViolation)) throw error;
      // A refused message: its sender counts as dropped at this phase.
    }
  };
  /** Runs one phase for the given clients; a client that aborts or is refused drops out. */
  const phase = async <I>(
    name: Exclude<SecAggPhase, "done">,
    incoming: Map<number, I>,
    act: (client: SecAggClient, message: I) => Promise<ClientMessage> | ClientMessage,
  ) => {
    const replies = await timed("client", () =>
      Promise.all(
        [...incoming].map(async ([id, message]) => {
          if (silent(id, name)) return null;
          try {
            return await act(clients.get(id)!, message);
          } catch (error) {
            if (error instanceof ProtocolViolation || error instanceof SecAggAbort) return null;
            throw error;
          }
        }),
      ),
    );
    for (const reply of replies) if (reply) deliver(reply);
  };

  await phase("advertise", new Map(ids.map((id) => [id, setup])), (client, s) => client.advertise(s));
  const keys = await timed("server", () => server.closeAdvertise());
  await phase("share", keys, (client, message) => client.shareKeys(message));
  const shares = await timed("server", () => server.closeShares());
  await phase("input", shares, (client, message) => client.maskInput(message, inputs.get(client.id)!));
  const requests = await timed("server", () => server.closeInputs());
  await phase("unmask", requests, (client, message) => client.unmask(message));
  const result = await timed("server", () => server.closeUnmask());
  return { ...result, seconds };
}
