/**
 * A whole secure-aggregation round between in-process clients and a server: the
 * simulation's aggregation step and the reference the network version is tested
 * against. Messages pass by reference, but every one goes through the same checks
 * as on the wire. Dropouts are scripted: a client listed in `dropouts` falls silent
 * from the given phase on (it sends nothing in that phase or later).
 *
 * With `threads` (or a `host`) above 1 the clients run in worker threads
 * (client-host.ts); the server, the dropouts, `observe` and `tamper` stay in this
 * thread, and the replies reach the server in the same order as in-process, so the
 * outcome is the same (tested).
 */
import { clientReply, publicKeyMemo, SecAggClient } from "./client.js";
import {
  createSecAggClientHost,
  type HostedItem,
  type SecAggClientHost,
  WorkerClientHost,
} from "./client-host.js";
import { type ClientMessage, ProtocolViolation, type ServerMessage } from "./messages.js";
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
  /**
   * Worker threads for the clients, started and closed for this round (default 1: the
   * calling thread). Ignored when `host` is given. Threaded, `seconds.client` is the wall
   * time of the client phases: the workers' work and the messages to and from them.
   */
  threads?: number;
  /** Worker threads kept across rounds (see {@link createSecAggClientHost}) for the clients. */
  host?: SecAggClientHost;
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
  if (options.host) return runRound(inputs, round, settings, options, options.host);
  if ((options.threads ?? 1) <= 1) return runRound(inputs, round, settings, options, undefined);
  const host = await createSecAggClientHost(options.threads!);
  try {
    return await runRound(inputs, round, settings, options, host);
  } finally {
    await host.close();
  }
}

async function runRound(
  inputs: ReadonlyMap<number, Uint32Array>,
  round: number,
  settings: SecAggSettings,
  options: LocalRoundOptions,
  host: SecAggClientHost | undefined,
): Promise<LocalRoundResult> {
  const ids = [...inputs.keys()].sort((a, b) => a - b);
  const vectorLength = inputs.get(ids[0])?.length ?? 0;
  const setup = createRoundSetup(round, ids, vectorLength, settings, options.graphSeed);
  const server = new SecAggServer(setup);
  const threaded = host && host.threads > 1 ? workerHost(host) : undefined;
  // One import per advertised key for the whole simulated round (public values only).
  const importKey = publicKeyMemo();
  const clients = threaded ? undefined : new Map(ids.map((id) => [id, new SecAggClient(id, importKey)]));
  const order: SecAggPhase[] = ["advertise", "share", "input", "unmask"];
  /** The phases a client takes part in: 4 unless it is scripted to fall silent. */
  const activePhases = (id: number) => {
    const from = options.dropouts?.get(id);
    return from === undefined ? order.length : order.indexOf(from);
  };
  const silent = (id: number, phase: Exclude<SecAggPhase, "done">) =>
    order.indexOf(phase) >= activePhases(id);
  // Threaded: the worker of each client for the whole round. Dealt in turn, those with
  // the most work first (the scripted dropouts are known now), so that each worker has
  // about as many clients still active in every phase.
  const workerOf = new Map(
    [...ids]
      .sort((a, b) => activePhases(b) - activePhases(a) || a - b)
      .map((id, k) => [id, threaded ? k % threaded.threads : 0]),
  );
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
  const phase = async (name: Exclude<SecAggPhase, "done">, incoming: Map<number, ServerMessage>) => {
    const replies = await timed("client", () =>
      threaded ? hostedPhase(threaded, name, incoming) : inProcessPhase(name, incoming),
    );
    for (const reply of replies) if (reply) deliver(reply);
  };
  const inProcessPhase = (name: Exclude<SecAggPhase, "done">, incoming: Map<number, ServerMessage>) =>
    Promise.all(
      [...incoming].map(([id, message]) =>
        silent(id, name)
          ? null
          : clientReply(clients!.get(id)!, name, message, name === "input" ? inputs.get(id) : undefined),
      ),
    );
  /** The same phase on the host's workers; the replies in the order of `incoming`, as in-process. */
  const hostedPhase = async (
    host: WorkerClientHost,
    name: Exclude<SecAggPhase, "done">,
    incoming: Map<number, ServerMessage>,
  ): Promise<(ClientMessage | null)[]> => {
    const items: HostedItem[][] = Array.from({ length: host.threads }, () => []);
    for (const [id, message] of incoming) {
      if (silent(id, name)) continue;
      const w = workerOf.get(id);
      // A message for a client outside the round: as in-process, the round fails.
      if (w === undefined) throw new TypeError(`the server addressed client ${id}, who is not in the round`);
      items[w].push(name === "input" ? { id, message, input: inputs.get(id)! } : { id, message });
    }
    const hosted =
      name === "advertise"
        ? Array.from({ length: host.threads }, (_, w) => ids.filter((id) => workerOf.get(id) === w))
        : undefined;
    const answers = new Map<number, ClientMessage | null>();
    for (const list of await host.phase(name, items, hosted))
      for (const { id, message } of list) answers.set(id, message);
    return [...incoming.keys()].map((id) => answers.get(id) ?? null);
  };

  if (threaded) threaded.acquire();
  try {
    await phase("advertise", new Map(ids.map((id) => [id, setup])));
    const keys = await timed("server", () => server.closeAdvertise());
    await phase("share", keys);
    const shares = await timed("server", () => server.closeShares());
    await phase("input", shares);
    const requests = await timed("server", () => server.closeInputs());
    await phase("unmask", requests);
    const result = await timed("server", () => server.closeUnmask());
    return { ...result, seconds };
  } finally {
    if (threaded) await threaded.release();
  }
}

function workerHost(host: SecAggClientHost): WorkerClientHost {
  if (!(host instanceof WorkerClientHost))
    throw new TypeError("options.host must come from createSecAggClientHost");
  return host;
}
