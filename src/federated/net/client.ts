/**
 * A federation client: joins a server over a WebSocket, receives the public task,
 * encodes its own rows with it, and for every round it is picked for trains locally
 * and sends its update — in the clear, or through secure aggregation (then only a
 * masked vector leaves it, plus keys and encrypted shares for its neighbours). Its
 * rows never leave it. The same code runs in Node (with `ws`) and in browsers
 * (native WebSocket): it needs only send / close / addEventListener.
 */
import type { Random } from "../../common/rng.js";
import { initBackend } from "../../nn/backend.js";
import type { ClientData } from "../client-data.js";
import { distributedNoiseShare } from "../distributed-dp.js";
import { type LocalUpdate, type ModelShape, modelShape, trainLocalUpdate } from "../local-training.js";
import { SecAggClient } from "../secagg/client.js";
import { ProtocolViolation, SecAggAbort, type ServerMessage } from "../secagg/messages.js";
import { addIntegersInto, encode } from "../secagg/ring.js";
import type { TaskSpec } from "../task-spec.js";
import { clipToNorm } from "../vectors.js";
import {
  type ClientToServer,
  encodeFloat32Vector,
  encodeSecAggClientMessage,
  PROTOCOL,
  parseFrame,
  type ServerToClient,
  serverToClientSchema,
} from "./wire.js";

/**
 * The part of a WebSocket a client uses (Node's `ws` and browsers' WebSocket both have it).
 *
 * @example
 * ```ts
 * import { FederatedClient, type SocketLike } from "equipoise/federated";
 * declare const client: FederatedClient; // see FederatedClient
 * const socket: SocketLike = new WebSocket("wss://federation.example.org"); // a browser's WebSocket is one
 * const session = await client.run(socket); // in Node, runNodeClient opens a `ws` socket and reconnects
 * ```
 */
export interface SocketLike {
  /** The WebSocket ready state (1 = open). */
  readonly readyState: number;
  /** Sends one text frame. */
  send(data: string): void;
  /** Closes the connection with an optional code and reason. */
  close(code?: number, reason?: string): void;
  /** Called with each message received. */
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  /** Called when the connection closes, with its code and reason. */
  addEventListener(type: "close", listener: (event: { code: number; reason: string }) => void): void;
  /** Called when the connection opens. */
  addEventListener(type: "open", listener: () => void): void;
  /** Called on a connection error. */
  addEventListener(type: "error", listener: (event: unknown) => void): void;
}

/**
 * What a federation client reports as it runs: joined, trained a round, sent, round over, or a note.
 *
 * @example
 * ```ts
 * import { type ClientEvent, FederatedClient, prepareClientData } from "equipoise/federated";
 * import { createSecureRandom } from "equipoise/privacy/accounting";
 * declare const csvText: string; // this client's rows
 * const onEvent = (event: ClientEvent): void => {
 *   if (event.kind === "trained") console.log(`round ${event.round}: ${event.examples} rows, loss ${event.loss}`);
 *   else if (event.kind === "note") console.log(event.text);
 * };
 * const client = new FederatedClient({ loadData: (task) => prepareClientData(csvText, task), random: createSecureRandom(), onEvent });
 * ```
 */
export type ClientEvent =
  | { kind: "joined"; client: number; rows: number; skipped: number }
  | { kind: "trained"; round: number; examples: number; loss: number }
  | { kind: "sent"; round: number; what: "update" | "masked input" }
  | { kind: "round-end"; round: number; status: string; reason?: string }
  | { kind: "note"; text: string };

/**
 * Options of a {@link FederatedClient}: where its rows come from and its secure randomness.
 *
 * @example
 * ```ts
 * import { type ClientOptions, FederatedClient, prepareClientData } from "equipoise/federated";
 * import { createSecureRandom } from "equipoise/privacy/accounting";
 * declare const csvText: string; // this client's rows, with the server's column names
 * const options: ClientOptions = {
 *   loadData: (task) => prepareClientData(csvText, task, "client-0.csv"), // called once, on joining
 *   random: createSecureRandom(),
 *   backend: "cpu",
 * };
 * const client = new FederatedClient(options);
 * ```
 */
export interface ClientOptions {
  /** The client's rows, encoded with the server's task (called once, on joining). */
  loadData(task: TaskSpec): ClientData | Promise<ClientData>;
  /** Secure randomness: local training order, stochastic rounding, noise shares. */
  random: Random;
  /** Called with each {@link ClientEvent}. */
  onEvent?: (event: ClientEvent) => void;
  /** Tensor backend (default: the best available; browsers without WASM files: "cpu"). */
  backend?: string;
  /** For tests of the server's defences: replaces what this client would send (a string is sent raw, null not at all). */
  tamper?: (message: ClientToServer) => ClientToServer | string | null;
}

/**
 * How a client's session ended, and how many rounds it took part in.
 *
 * @example
 * ```ts
 * import { type ClientSessionResult, FederatedClient, runNodeClient } from "equipoise/federated";
 * declare const client: FederatedClient; // see FederatedClient
 * const session: ClientSessionResult = await runNodeClient("ws://127.0.0.1:8765", client, { retries: 3, retryDelaySeconds: 1 });
 * if (session.ended === "refused") console.error(`refused: ${session.reason}`);
 * else console.log(`client ${session.client} took part in ${session.rounds} rounds`);
 * ```
 */
export interface ClientSessionResult {
  ended: "done" | "closed" | "refused";
  reason?: string;
  client?: number;
  token?: string;
  rounds: number;
}

/** An inbox of server messages for one connection, awaited in order. */
class Inbox {
  private readonly queue: ServerToClient[] = [];
  private waiter: ((message: ServerToClient | null) => void) | undefined;
  private closed = false;

  push(message: ServerToClient): void {
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = undefined;
      resolve(message);
    } else this.queue.push(message);
  }

  unshift(message: ServerToClient): void {
    this.queue.unshift(message);
  }

  close(): void {
    this.closed = true;
    this.waiter?.(null);
    this.waiter = undefined;
  }

  /** The next message, or null once the connection has closed. */
  next(): Promise<ServerToClient | null> {
    const message = this.queue.shift();
    if (message) return Promise.resolve(message);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }
}

/**
 * A federated client over WebSocket (Node or a browser): receives the task, trains locally on its
 * own rows, and takes part in secure aggregation and distributed DP.
 *
 * @example
 * ```ts
 * import { FederatedClient, prepareClientData, runNodeClient } from "equipoise/federated";
 * import { createSecureRandom } from "equipoise/privacy/accounting";
 * declare const csvText: string; // this client's rows, as CSV
 * const client = new FederatedClient({
 *   loadData: (task) => prepareClientData(csvText, task, "client-0.csv"),
 *   random: createSecureRandom(),
 * });
 * const session = await runNodeClient("ws://127.0.0.1:8765", client, { retries: 3, retryDelaySeconds: 1 });
 * ```
 */
export class FederatedClient {
  private task: TaskSpec | undefined;
  private shape: ModelShape | undefined;
  private data: ClientData | undefined;
  private rounds = 0;

  constructor(private readonly options: ClientOptions) {}

  /** Runs one connection to its end; pass the token of an earlier session to rejoin as the same client. */
  async run(socket: SocketLike, token?: string): Promise<ClientSessionResult> {
    const inbox = new Inbox();
    let closeReason = "";
    socket.addEventListener("message", (event) => {
      const parsed = parseFrame(serverToClientSchema, String(event.data));
      if (parsed.ok) inbox.push(parsed.value);
      else this.note(`ignored a malformed message from the server: ${parsed.reason}`);
    });
    socket.addEventListener("close", (event) => {
      closeReason = event.reason || `code ${event.code}`;
      inbox.close();
    });
    socket.addEventListener("error", () => undefined);
    if (socket.readyState !== 1)
      await new Promise<void>((resolve) => socket.addEventListener("open", () => resolve()));
    const send = (message: ClientToServer) => {
      const tampered = this.options.tamper ? this.options.tamper(message) : message;
      if (tampered === null || socket.readyState !== 1) return;
      socket.send(typeof tampered === "string" ? tampered : JSON.stringify(toWire(tampered)));
    };
    send({ type: "hello", protocol: PROTOCOL, ...(token ? { token } : {}) });
    let client: number | undefined;
    let sessionToken = token;
    for (;;) {
      const message = await inbox.next();
      if (!message)
        return { ended: "closed", reason: closeReason, client, token: sessionToken, rounds: this.rounds };
      switch (message.type) {
        case "welcome": {
          client = message.client;
          sessionToken = message.token;
          await this.join(message.task, client);
          break;
        }
        case "train":
          if (client === undefined || !this.task) break;
          await this.playRound(message, client, inbox, send);
          break;
        case "round-end":
          this.options.onEvent?.({
            kind: "round-end",
            round: message.round,
            status: message.status,
            reason: message.reason,
          });
          break;
        case "done":
          socket.close(1000, "done");
          return { ended: "done", client, token: sessionToken, rounds: this.rounds };
        case "refused":
          socket.close(1000, "refused");
          return {
            ended: "refused",
            reason: message.reason,
            client,
            token: sessionToken,
            rounds: this.rounds,
          };
        case "secagg":
          // A secure-aggregation message outside a round we are in: late, or replayed.
          break;
      }
    }
  }

  private async join(task: TaskSpec, client: number): Promise<void> {
    if (!this.task) {
      await initBackend(this.options.backend);
      this.task = task;
      this.shape = modelShape(task.model, task.inputSize, task.numClasses);
      this.data = await this.options.loadData(task);
    }
    this.options.onEvent?.({
      kind: "joined",
      client,
      rows: this.data!.data.X.rows,
      skipped: this.data!.skipped,
    });
  }

  private async playRound(
    message: Extract<ServerToClient, { type: "train" }>,
    client: number,
    inbox: Inbox,
    send: (message: ClientToServer) => void,
  ): Promise<void> {
    const task = this.task!;
    if (message.weights.length !== task.parameters) {
      this.note(
        `round ${message.round}: the server sent ${message.weights.length} weights, the model has ${task.parameters}`,
      );
      return;
    }
    const local = trainLocalUpdate(
      this.shape!,
      message.weights,
      this.data!.data,
      task.local,
      this.options.random.uint32(),
    );
    this.rounds++;
    this.options.onEvent?.({
      kind: "trained",
      round: message.round,
      examples: local.examples,
      loss: local.initialLoss,
    });
    const update = task.clip !== undefined ? clipToNorm(local.update, task.clip).vector : local.update;
    if (!message.secure) {
      send({
        type: "update",
        round: message.round,
        update,
        examples: local.examples,
        loss: local.initialLoss,
      });
      this.options.onEvent?.({ kind: "sent", round: message.round, what: "update" });
      return;
    }
    try {
      await this.secureRound(message, { ...local, update }, client, inbox, send);
    } catch (error) {
      if (error instanceof ProtocolViolation || error instanceof SecAggAbort) {
        this.note(`round ${message.round}: secure aggregation stopped on this side: ${error.message}`);
        send({ type: "failed", round: message.round, reason: error.message });
        return;
      }
      throw error;
    }
  }

  private async secureRound(
    message: Extract<ServerToClient, { type: "train" }>,
    local: LocalUpdate,
    client: number,
    inbox: Inbox,
    send: (message: ClientToServer) => void,
  ): Promise<void> {
    const { setup, bound, scale } = message.secure!;
    const task = this.task!;
    if (setup.vectorLength !== task.parameters || setup.round !== message.round)
      throw new ProtocolViolation(
        `a round setup for ${setup.vectorLength} words in round ${setup.round}; the model has ${task.parameters} parameters, this is round ${message.round}`,
      );
    const secagg = new SecAggClient(client);
    const sendSecAgg = (
      m:
        | Awaited<ReturnType<SecAggClient["advertise"]>>
        | ReturnType<SecAggClient["unmask"]>
        | Awaited<ReturnType<SecAggClient["shareKeys"]>>
        | Awaited<ReturnType<SecAggClient["maskInput"]>>,
    ) => send({ type: "secagg", round: message.round, message: m } as ClientToServer);
    sendSecAgg(await secagg.advertise(setup));
    for (;;) {
      const next = await inbox.next();
      if (!next) return;
      if (next.type === "train" || next.type === "done" || next.type === "refused") {
        inbox.unshift(next);
        return;
      }
      if (next.type === "round-end") {
        this.options.onEvent?.({
          kind: "round-end",
          round: next.round,
          status: next.status,
          reason: next.reason,
        });
        return;
      }
      if (next.type !== "secagg" || next.round !== message.round) continue;
      const server: ServerMessage = next.message;
      if (server.kind === "keys") sendSecAgg(await secagg.shareKeys(server));
      else if (server.kind === "shares") {
        const encoded = encode(local.update, { bound, scale }, this.options.random);
        if (task.distributedNoise) {
          // This client's share of the distributed discrete Gaussian noise (distributed-dp.ts).
          const share = BigInt(task.distributedNoise.shareVariance);
          addIntegersInto(encoded, distributedNoiseShare(share, encoded.length, this.options.random));
        }
        sendSecAgg(await secagg.maskInput(server, encoded));
        this.options.onEvent?.({ kind: "sent", round: message.round, what: "masked input" });
      } else if (server.kind === "unmask") sendSecAgg(secagg.unmask(server));
    }
  }

  private note(text: string): void {
    this.options.onEvent?.({ kind: "note", text });
  }
}

/** The JSON form of a client message (vectors and bytes as base64). */
function toWire(message: ClientToServer): unknown {
  if (message.type === "update") return { ...message, update: encodeFloat32Vector(message.update) };
  if (message.type === "secagg") return { ...message, message: encodeSecAggClientMessage(message.message) };
  return message;
}
