/**
 * The simulated clients of secure-aggregation rounds on every core: worker threads,
 * each holding a fixed subset of a round's SecAggClient objects (the round's sorted
 * ids dealt in turn), run one phase for their clients at a time. The main thread
 * keeps the server, sends each worker its clients' incoming messages (structured
 * clones) and delivers the replies to the server in the same order as in-process
 * (see local-round.ts). A client's key pairs, shares and masks never leave its
 * worker; only protocol messages do, exactly what the server would see on the wire.
 *
 * One host serves one round at a time and may serve many rounds (the simulation keeps
 * one for the whole run): starting a worker under tsx costs about a second.
 */
import { Worker } from "node:worker_threads";
import { siblingWorkerEntry } from "../../common/worker-entry.js";
import type { ClientMessage, ServerMessage } from "./messages.js";
import type { SecAggPhase } from "./server.js";

/**
 * Worker threads that host the simulated clients of secure-aggregation rounds (one round at a time, many rounds).
 *
 * @example
 * ```ts
 * import { aggregateSecurely, createSecAggClientHost } from "equipoise/federated";
 * const inputs = new Map([[1, Uint32Array.from([1, 2])], [2, Uint32Array.from([3, 4])], [3, Uint32Array.from([5, 6])]]);
 * const host = await createSecAggClientHost(2); // the clients of every round below run on 2 threads
 * try {
 *   for (let round = 1; round <= 3; round++) {
 *     const { sum } = await aggregateSecurely(inputs, round, { graph: { kind: "complete" } }, { host }); // [9, 12]
 *   }
 * } finally {
 *   await host.close();
 * }
 * ```
 */
export interface SecAggClientHost {
  /** Worker threads (1: the clients run in the calling thread). */
  readonly threads: number;
  /** Ends the worker threads. */
  close(): Promise<void>;
}

/** One client's part of a phase request: its incoming message, and its input in the input phase. */
export interface HostedItem {
  id: number;
  message: ServerMessage;
  input?: Uint32Array;
}

export type ClientHostRequest =
  | {
      kind: "phase";
      phase: Exclude<SecAggPhase, "done">;
      items: HostedItem[];
      /** With the round's first phase: the ids of the clients this worker hosts for the round. */
      clients?: number[];
    }
  | { kind: "end" };

/** A client's answer: its message, or null when it aborted or refused (it drops out, as in-process). */
export type HostedReply = { id: number; message: ClientMessage | null };

export type ClientHostReply =
  | { kind: "ready" }
  | { kind: "setup-failed"; message: string }
  | { kind: "replies"; replies: HostedReply[] }
  | { kind: "ended" }
  | { kind: "error"; name: string; message: string };

/**
 * Starts `threads` worker threads for the clients of secure-aggregation rounds; with 1 the clients stay in-process.
 *
 * @example
 * ```ts
 * import { aggregateSecurely, createSecAggClientHost } from "equipoise/federated";
 * declare const inputs: Map<number, Uint32Array>; // client id → ring vector
 * const host = await createSecAggClientHost(2);
 * const { sum, seconds } = await aggregateSecurely(inputs, 1, { graph: { kind: "harary", degree: 22 } }, { host });
 * await host.close();
 * ```
 */
export async function createSecAggClientHost(threads: number): Promise<SecAggClientHost> {
  if (!(Number.isInteger(threads) && threads >= 1))
    throw new RangeError(`threads must be a positive integer, got ${threads}`);
  if (threads === 1) return { threads: 1, async close() {} };
  const host = new WorkerClientHost(threads);
  try {
    await host.ready();
  } catch (error) {
    await host.close();
    throw error;
  }
  return host;
}

const STANDARD_ERRORS: Record<string, ErrorConstructor> = {
  RangeError,
  TypeError,
  ReferenceError,
  SyntaxError,
};

/** A worker's error in this thread: the same class when it is a standard one, else an Error of the same name. */
function rebuiltError(name: string, message: string): Error {
  const error = new (STANDARD_ERRORS[name] ?? Error)(message);
  error.name = name;
  return error;
}

/** Compiled, the worker is client-worker.js beside this file; from source, tsx is registered first. */
function startWorker(): Worker {
  const entry = siblingWorkerEntry(import.meta.url, "client-worker");
  return new Worker(entry.specifier, { eval: entry.eval });
}

interface Pending {
  resolve: (reply: ClientHostReply) => void;
  reject: (error: Error) => void;
}

/** The worker-thread host; local-round.ts drives it phase by phase. */
export class WorkerClientHost implements SecAggClientHost {
  private readonly workers: Worker[] = [];
  private readonly pending: (Pending | undefined)[] = [];
  private readonly started: Promise<void>[] = [];
  /** Set when a worker failed outside any client's work: the host cannot be trusted with another round. */
  private broken?: Error;
  private busy = false;
  private closed = false;

  constructor(readonly threads: number) {
    for (let i = 0; i < threads; i++) {
      const worker = startWorker();
      this.workers.push(worker);
      this.pending.push(undefined);
      this.started.push(
        new Promise((resolve, reject) => {
          this.pending[i] = {
            resolve: (reply) =>
              reply.kind === "ready"
                ? resolve()
                : reject(
                    new Error(
                      `secure-aggregation worker: ${"message" in reply ? reply.message : reply.kind}`,
                    ),
                  ),
            reject,
          };
        }),
      );
      worker.on("message", (reply: ClientHostReply) => {
        const waiting = this.pending[i];
        this.pending[i] = undefined;
        worker.unref();
        waiting?.resolve(reply);
      });
      const fail = (error: Error) => {
        this.broken ??= error;
        const waiting = this.pending[i];
        this.pending[i] = undefined;
        worker.unref();
        waiting?.reject(error);
      };
      worker.on("error", fail);
      worker.on("exit", (code) => {
        if (!this.closed) fail(new Error(`a secure-aggregation worker thread exited (code ${code})`));
      });
      // A worker keeps the process alive only while it owes an answer: an idle host does not.
    }
  }

  ready(): Promise<void> {
    return Promise.all(this.started).then(() => undefined);
  }

  /** Claims the host for one round; `release` gives it back. */
  acquire(): void {
    if (this.closed) throw new Error("this SecAggClientHost is closed");
    if (this.broken) throw new Error(`this SecAggClientHost failed earlier: ${this.broken.message}`);
    if (this.busy) throw new Error("a SecAggClientHost runs one round at a time");
    this.busy = true;
  }

  /** Frees the workers' clients of the round (unless a worker failed) and gives the host back. */
  async release(): Promise<void> {
    try {
      if (!this.broken && !this.closed)
        await Promise.all(this.workers.map((_, i) => this.send(i, { kind: "end" })));
    } catch (error) {
      this.broken ??= error instanceof Error ? error : new Error(String(error));
    } finally {
      this.busy = false;
    }
  }

  /**
   * One phase on every worker: `items[w]` are worker w's clients' messages; `clients[w]`,
   * with the first phase, the clients worker w hosts for the round. Replies come back
   * in the items' order.
   */
  async phase(
    phase: Exclude<SecAggPhase, "done">,
    items: HostedItem[][],
    clients?: number[][],
  ): Promise<HostedReply[][]> {
    // Settled, not all: when one worker fails, the others finish their phase first, so
    // that the host is idle again when the round rejects.
    const settled = await Promise.allSettled(
      items.map(async (list, w) => {
        const reply = await this.send(w, { kind: "phase", phase, items: list, clients: clients?.[w] });
        if (reply.kind === "error") throw rebuiltError(reply.name, reply.message);
        if (reply.kind !== "replies")
          throw new Error(`unexpected '${reply.kind}' from a secure-aggregation worker`);
        return reply.replies;
      }),
    );
    const failed = settled.find((outcome) => outcome.status === "rejected");
    if (failed) throw failed.reason;
    return settled.map((outcome) => (outcome as PromiseFulfilledResult<HostedReply[]>).value);
  }

  private send(w: number, request: ClientHostRequest): Promise<ClientHostReply> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.pending[w]) return Promise.reject(new Error("a secure-aggregation worker is still busy"));
    return new Promise((resolve, reject) => {
      this.pending[w] = { resolve, reject };
      this.workers[w].ref();
      this.workers[w].postMessage(request);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    const error = new Error("the SecAggClientHost was closed");
    for (let i = 0; i < this.pending.length; i++) {
      this.pending[i]?.reject(error);
      this.pending[i] = undefined;
    }
  }
}
