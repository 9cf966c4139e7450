/**
 * The server of a federation of real processes: clients connect over WebSocket,
 * receive the public task, and take part in rounds exactly as in the simulation —
 * the same aggregation, DP and evaluation code — with real timeouts, dropouts and
 * reconnections. Faults never crash it: a malformed, oversized, wrong-length or
 * replayed message is refused with one logged line (its sender counts as dropped
 * for the round), a client that does not answer is dropped when the phase's
 * deadline passes, a round that cannot complete is aborted with its reason and the
 * model kept as it was; after every round the model and the report are written
 * atomically (`checkpoint`), so a crash of the machine loses at most one round.
 */
import { randomBytes } from "node:crypto";
import { type WebSocket, WebSocketServer } from "ws";
import { UserError } from "../../common/errors.js";
import { createRandom, type Random } from "../../common/rng.js";
import type { PreparedTask } from "../../data/index.js";
import { initBackend } from "../../nn/index.js";
import { type GaussianNoise, secureGaussianNoise, seededGaussianNoise } from "../../privacy/noise.js";
import { createSecureRandom } from "../../privacy/secure-random.js";
import type { FederatedConfig } from "../config.js";
import { planDistributedNoise } from "../distributed-dp.js";
import { evaluateGlobalModel } from "../evaluation.js";
import { initialWeights, type LocalUpdate, modelShape } from "../local-training.js";
import { FEDERATED_REPORT_FORMAT, type FederatedReport, type RoundRecord } from "../report.js";
import {
  aggregateInTheClear,
  finishSecureSum,
  type RoundOutcome,
  secureBound,
} from "../round-aggregation.js";
import { recommendedDegree } from "../secagg/graph.js";
import { ProtocolViolation, SecAggAbort, type ServerMessage } from "../secagg/messages.js";
import { decode, fixedPointFor } from "../secagg/ring.js";
import { createRoundSetup, SecAggServer } from "../secagg/server.js";
import { ServerOptimizer } from "../server-optimizer.js";
import {
  checkCombinations,
  createRoundAccountant,
  type FederatedResult,
  poissonSample,
  privacySummary,
} from "../simulation.js";
import { type TaskSpec, taskSpecFor } from "../task-spec.js";
import {
  type ClientToServer,
  clientToServerSchema,
  encodeFloat32Vector,
  encodeSecAggServerMessage,
  parseFrame,
  type ServerToClient,
} from "./wire.js";

/**
 * How long a federation server waits, in seconds.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { DEFAULT_TIMEOUTS, parseFederatedConfig, runFederationServer, type ServerTimeouts } from "equipoise/federated";
 * const timeouts: ServerTimeouts = { ...DEFAULT_TIMEOUTS, joinSeconds: 600 }; // wait 10 minutes for the clients to join
 * const task = await data.prepareTask({ data: "synthetic" });
 * const config = parseFederatedConfig({ clients: 3, rounds: 2 });
 * await runFederationServer({ config, task, host: "127.0.0.1", port: 8765, timeouts });
 * ```
 */
export interface ServerTimeouts {
  /** Waiting for the expected clients to join. */
  joinSeconds: number;
  /** Local training plus the first message of a round. */
  roundSeconds: number;
  /** Each later phase of secure aggregation. */
  phaseSeconds: number;
}

/**
 * How long the server waits, in seconds: for clients to join, for a round, for each secure-aggregation phase.
 *
 * @example
 * ```ts
 * import { DEFAULT_TIMEOUTS } from "equipoise/federated";
 * DEFAULT_TIMEOUTS; // { joinSeconds: 120, roundSeconds: 300, phaseSeconds: 60 }
 * const patient = { ...DEFAULT_TIMEOUTS, roundSeconds: 2 * DEFAULT_TIMEOUTS.roundSeconds }; // for slow clients; runFederationServer's `timeouts`
 * ```
 */
export const DEFAULT_TIMEOUTS: ServerTimeouts = { joinSeconds: 120, roundSeconds: 300, phaseSeconds: 60 };

/**
 * What a federation server reports: listening, a finished round, or a note.
 *
 * @example
 * ```ts
 * import type { ServerEvent } from "equipoise/federated";
 * const onEvent = (event: ServerEvent): void => {
 *   if (event.kind === "listening") console.log(`listening on ${event.host}:${event.port}`);
 *   else if (event.kind === "round") console.log(`round ${event.record.round}/${event.rounds}: accuracy ${event.record.evaluation.accuracy}`);
 *   else console.log(event.text);
 * }; // runFederationServer({ ..., onEvent })
 * ```
 */
export type ServerEvent =
  | { kind: "listening"; port: number; host: string }
  | { kind: "round"; record: RoundRecord; rounds: number }
  | { kind: "note"; text: string };

/**
 * What a federation server runs: the configuration, its own data, where it listens, and timeouts.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { parseFederatedConfig, runFederationServer, type ServerSettings } from "equipoise/federated";
 * const task = await data.prepareTask({ data: "synthetic" }); // the server's own rows
 * const settings: ServerSettings = {
 *   config: parseFederatedConfig({ clients: 3, rounds: 2 }), task, host: "127.0.0.1", port: 8765,
 *   timeouts: { joinSeconds: 300 }, onEvent: (event) => console.log(event.kind),
 * };
 * const { report } = await runFederationServer(settings);
 * ```
 */
export interface ServerSettings {
  config: FederatedConfig;
  /** The server's own data: the public preprocessing comes from its training split, accuracy from its test split. */
  task: PreparedTask;
  host: string;
  port: number;
  timeouts?: Partial<ServerTimeouts>;
  /** Called with each {@link ServerEvent}. */
  onEvent?: (event: ServerEvent) => void;
  /** Called after every round with the current model and report (write them atomically). */
  checkpoint?: (result: FederatedResult) => void;
  /** Tensor backend (default: the best available). */
  backend?: string;
}

interface Member {
  id: number;
  token: string;
  socket?: WebSocket;
  /** Examples the client reported with its last plain update (not known under secure aggregation). */
  rows?: number;
}

type Inbound = ClientToServer & { from: number };

/**
 * Runs a federation server over WebSocket until its rounds are done, with real client processes or
 * browsers; returns the same report as a simulation.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { parseFederatedConfig, runFederationServer } from "equipoise/federated";
 * const task = await data.prepareTask({ data: "synthetic" }); // the server's own rows
 * const config = parseFederatedConfig({ model: "logreg", clients: 3, rounds: 2, local: { epochs: 1, batchSize: 32, learningRate: 0.1 } });
 * const { report } = await runFederationServer({ config, task, host: "127.0.0.1", port: 8765 });
 * console.log(report.final.accuracy);
 * ```
 */
export async function runFederationServer(settings: ServerSettings): Promise<FederatedResult> {
  const { config, task } = settings;
  checkCombinations(config);
  if (config.attack)
    throw new UserError("attacks are simulated only; a server cannot make its clients malicious");
  await initBackend(settings.backend);
  const timeouts = { ...DEFAULT_TIMEOUTS, ...settings.timeouts };
  const emit = settings.onEvent ?? (() => undefined);
  const note = (text: string) => emit({ kind: "note", text });
  const started = performance.now();
  const shape = modelShape(config.model, task.train.X.cols, task.numClasses);
  const architecture = shape.architecture;
  const spec: TaskSpec = taskSpecFor(task, config);
  const dimension = spec.parameters;
  const weights = initialWeights(shape, config.seed);
  const optimizer = new ServerOptimizer(config.server);
  const dp = config.dp;
  const seeded = dp?.seed !== undefined;
  const noise: GaussianNoise | undefined = dp
    ? seeded
      ? seededGaussianNoise(dp.seed! ^ 0x5eed_fed)
      : secureGaussianNoise()
    : undefined;
  const sampling: Random = dp && !seeded ? createSecureRandom() : createRandom(config.seed).fork();
  const accountant = dp ? createRoundAccountant(dp, config.sampleRate, config.clients, dimension) : undefined;
  const members = new Map<number, Member>();
  const byToken = new Map<string, Member>();
  const rounds: RoundRecord[] = [];
  let listener: ((message: Inbound) => void) | undefined;
  /** Re-checks the current wait's condition (a client joined or left). */
  let wake: (() => void) | undefined;

  // Room for the largest legitimate frame: a vector in base64 plus JSON around it.
  const maxPayload = 16 * dimension + 65536;
  const wss = new WebSocketServer({ host: settings.host, port: settings.port, maxPayload });
  await new Promise<void>((resolve, reject) => {
    wss.once("listening", resolve);
    wss.once("error", (error) =>
      reject(new UserError(`cannot listen on ${settings.host}:${settings.port}: ${error.message}`)),
    );
  });
  wss.on("error", (error) => note(`server socket error: ${error.message}`));
  const address = wss.address();
  emit({
    kind: "listening",
    port: address && typeof address === "object" ? address.port : settings.port,
    host: settings.host,
  });

  const send = (member: Member, message: ServerToClient) => {
    if (member.socket?.readyState === 1) member.socket.send(JSON.stringify(toWire(message)));
  };

  wss.on("connection", (socket) => {
    let member: Member | undefined;
    socket.on("message", (data, isBinary) => {
      try {
        if (isBinary) throw new ProtocolViolation("binary frames are not part of the protocol");
        const parsed = parseFrame(clientToServerSchema, data.toString());
        if (!parsed.ok) throw new ProtocolViolation(`malformed message: ${parsed.reason}`);
        const message = parsed.value;
        if (message.type === "hello") {
          member = admit(socket, message.token);
          wake?.();
          return;
        }
        if (!member) throw new ProtocolViolation("a message before 'hello'");
        if (roundSockets.has(member.id) && roundSockets.get(member.id) !== socket)
          throw new ProtocolViolation("a round message on a connection opened after the round began");
        listener?.({ ...message, from: member.id });
      } catch (error) {
        const who = member ? `client ${member.id}` : "an unidentified connection";
        if (error instanceof ProtocolViolation) {
          note(`${who}: ${error.message}; connection closed`);
          socket.close(1008, error.message.slice(0, 120));
        } else note(`${who}: ${(error as Error).message}`);
      }
    });
    socket.on("close", (code, reason) => {
      if (member && member.socket === socket) {
        member.socket = undefined;
        note(`client ${member.id} disconnected (${reason.toString() || `code ${code}`})`);
        wake?.();
      }
    });
    socket.on("error", (error) => note(`connection error: ${error.message}`));
  });

  /** A new member, or a returning one by its token (the old connection, if any, is replaced). */
  function admit(socket: WebSocket, token: string | undefined): Member | undefined {
    if (token !== undefined) {
      const returning = byToken.get(token);
      if (!returning) {
        sendRaw(socket, { type: "refused", reason: "unknown token" });
        socket.close(1008, "unknown token");
        return undefined;
      }
      if (returning.socket && returning.socket !== socket)
        returning.socket.close(1000, "replaced by a new connection");
      returning.socket = socket;
      note(`client ${returning.id} reconnected`);
      send(returning, { type: "welcome", client: returning.id, token: returning.token, task: spec });
      return returning;
    }
    if (members.size >= config.clients) {
      sendRaw(socket, { type: "refused", reason: `the federation is full (${config.clients} clients)` });
      socket.close(1000, "full");
      return undefined;
    }
    const member: Member = { id: members.size, token: randomBytes(16).toString("hex"), socket };
    members.set(member.id, member);
    byToken.set(member.token, member);
    note(`client ${member.id} joined (${members.size}/${config.clients})`);
    send(member, { type: "welcome", client: member.id, token: member.token, task: spec });
    return member;
  }

  const connected = () => [...members.values()].filter((m) => m.socket?.readyState === 1);
  /** Each picked client's connection when the round began: a client that reconnected mid-round cannot resume it. */
  let roundSockets = new Map<number, WebSocket | undefined>();
  const isConnected = (id: number) => {
    const socket = members.get(id)?.socket;
    return socket !== undefined && socket.readyState === 1 && socket === roundSockets.get(id);
  };

  /** Collects messages until `done()` holds or `seconds` pass. */
  const collect = (seconds: number, accept: (message: Inbound) => void, done: () => boolean) =>
    new Promise<void>((resolve) => {
      if (done()) {
        resolve();
        return;
      }
      const timer = setTimeout(finish, seconds * 1000);
      function finish() {
        clearTimeout(timer);
        listener = undefined;
        wake = undefined;
        resolve();
      }
      wake = () => {
        if (done()) finish();
      };
      listener = (message) => {
        try {
          accept(message);
        } catch (error) {
          const text = error instanceof Error ? error.message : String(error);
          note(`client ${message.from}: ${text}`);
        }
        if (done()) finish();
      };
    });

  try {
    await collect(
      timeouts.joinSeconds,
      () => undefined,
      () => connected().length >= config.clients,
    );
    if (connected().length === 0) throw new UserError(`no client joined within ${timeouts.joinSeconds} s`);
    if (connected().length < config.clients)
      note(`starting with ${connected().length} of ${config.clients} clients`);
    for (let round = 1; round <= config.rounds; round++) {
      const roundStart = performance.now();
      const sampled = poissonSample(config.clients, config.sampleRate, sampling).filter((id) =>
        members.has(id),
      );
      const present = sampled.filter((id) => members.get(id)!.socket?.readyState === 1);
      roundSockets = new Map(present.map((id) => [id, members.get(id)!.socket]));
      let outcome: RoundOutcome;
      try {
        outcome = config.secure ? await secureRound(round, present) : await plainRound(round, present);
      } catch (error) {
        if (!(error instanceof SecAggAbort)) note(`round ${round}: ${(error as Error).message}`);
        outcome = { included: [], aborted: (error as Error).message };
      }
      if (outcome.delta) optimizer.step(weights, outcome.delta);
      accountant?.countRound();
      for (const id of present) {
        send(members.get(id)!, {
          type: "round-end",
          round,
          status: outcome.aborted ? "aborted" : outcome.included.includes(id) ? "complete" : "dropped",
          ...(outcome.aborted ? { reason: outcome.aborted } : {}),
        });
      }
      const record: RoundRecord = {
        round,
        sampled: sampled.length,
        included: outcome.included.length,
        ...(outcome.aborted ? { aborted: outcome.aborted } : {}),
        evaluation: evaluateGlobalModel(shape, weights, task.test, { binary: task.numClasses === 2 }),
        clientAccuracy: { min: Number.NaN, mean: Number.NaN, max: Number.NaN },
        epsilon: accountant ? accountant.epsilon() : Number.POSITIVE_INFINITY,
        ...(outcome.secure ? { secure: outcome.secure } : {}),
        ...(outcome.selected ? { selected: outcome.selected } : {}),
        seconds: (performance.now() - roundStart) / 1000,
      };
      rounds.push(record);
      emit({ kind: "round", record, rounds: config.rounds });
      settings.checkpoint?.(result());
    }
    for (const member of members.values()) send(member, { type: "done", rounds: config.rounds });
    return result();
  } finally {
    await closeServer(wss);
  }

  async function plainRound(round: number, present: number[]): Promise<RoundOutcome> {
    const updates = new Map<number, LocalUpdate>();
    for (const id of present) send(members.get(id)!, { type: "train", round, weights });
    await collect(
      timeouts.roundSeconds,
      (message) => {
        if (message.type !== "update" && message.type !== "failed")
          throw new ProtocolViolation(`unexpected '${message.type}' in a plain round`);
        if (message.round !== round)
          throw new ProtocolViolation(
            `a message for round ${message.round} during round ${round} (replayed?)`,
          );
        if (!present.includes(message.from))
          throw new ProtocolViolation("an update from a client that was not picked");
        if (message.type === "failed") {
          note(`client ${message.from} gave up round ${round}: ${message.reason}`);
          present.splice(present.indexOf(message.from), 1);
          return;
        }
        if (updates.has(message.from))
          throw new ProtocolViolation(`a second update for round ${round} (replayed?)`);
        if (message.update.length !== dimension)
          throw new ProtocolViolation(
            `an update of ${message.update.length} values, the model has ${dimension}`,
          );
        members.get(message.from)!.rows = message.examples;
        updates.set(message.from, {
          update: message.update,
          examples: message.examples,
          initialLoss: message.loss,
        });
      },
      // Done when every picked client answered or is gone (a reconnection cannot resume a round).
      () => present.every((id) => updates.has(id) || !isConnected(id)),
    );
    const missing = present.filter((id) => !updates.has(id));
    if (missing.length > 0)
      note(`round ${round}: no update from client${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
    return aggregateInTheClear(config, updates, dimension, noise);
  }

  async function secureRound(round: number, present: number[]): Promise<RoundOutcome> {
    const secure = config.secure!;
    const plan =
      dp?.mode === "distributed"
        ? planDistributedNoise({
            ...dp,
            dimension,
            expectedClients: config.sampleRate * config.clients,
            participants: present.length,
          })
        : undefined;
    if (present.length < 2)
      throw new SecAggAbort(`secure aggregation needs at least 2 clients, ${present.length} took part`);
    if (plan && present.length < plan.minimumClients)
      throw new SecAggAbort(
        `distributed DP needs at least ${plan.minimumClients} clients' noise, ${present.length} were sampled`,
      );
    const graph =
      secure.graph === "complete"
        ? ({ kind: "complete" } as const)
        : ({
            kind: "harary",
            degree:
              secure.degree ??
              recommendedDegree(present.length, { thresholdFraction: secure.thresholdFraction }),
          } as const);
    const setup = createRoundSetup(round, present, dimension, {
      graph,
      thresholdFraction: secure.thresholdFraction,
      minimumInputs: plan?.minimumClients,
    });
    const fixedPoint = plan?.fixedPoint ?? fixedPointFor(secureBound(config), present.length);
    const protocol = new SecAggServer(setup);
    const secondsAt = { client: 0, server: 0 };
    const gaveUp = new Set<number>();
    const accept = (message: Inbound) => {
      if (message.type === "failed") {
        note(`client ${message.from} left round ${round}: ${message.reason}`);
        gaveUp.add(message.from);
        return;
      }
      if (message.type !== "secagg")
        throw new ProtocolViolation(`unexpected '${message.type}' in a secure round`);
      if (message.round !== round)
        throw new ProtocolViolation(`a message for round ${message.round} during round ${round} (replayed?)`);
      if (message.message.client !== message.from)
        throw new ProtocolViolation(`a message signed as client ${message.message.client}`);
      protocol.receive(message.message);
    };
    const relay = (messages: Map<number, ServerMessage>) => {
      for (const [id, message] of messages) send(members.get(id)!, { type: "secagg", round, message });
    };
    for (const id of present)
      send(members.get(id)!, {
        type: "train",
        round,
        weights,
        secure: { bound: fixedPoint.bound, scale: fixedPoint.scale, setup },
      });
    const phaseDone = () => protocol.pending().every((id) => !isConnected(id) || gaveUp.has(id));
    await collect(timeouts.roundSeconds, accept, phaseDone);
    relay(protocol.closeAdvertise());
    await collect(timeouts.phaseSeconds, accept, phaseDone);
    relay(protocol.closeShares());
    await collect(timeouts.phaseSeconds, accept, phaseDone);
    relay(protocol.closeInputs());
    await collect(timeouts.phaseSeconds, accept, phaseDone);
    const start = performance.now();
    const result = await protocol.closeUnmask();
    secondsAt.server += (performance.now() - start) / 1000;
    const sum = finishSecureSum(config, decode(result.sum, fixedPoint), result.included.length, noise);
    return { delta: sum, included: result.included, secure: { dropped: result.dropped, seconds: secondsAt } };
  }

  function result(): FederatedResult {
    const final =
      rounds.length > 0
        ? rounds[rounds.length - 1].evaluation
        : evaluateGlobalModel(shape, weights, task.test, { binary: task.numClasses === 2 });
    const report: FederatedReport = {
      format: FEDERATED_REPORT_FORMAT,
      version: 1,
      mode: "processes",
      data: {
        name: task.name,
        target: task.target,
        classes: task.classNames,
        features: task.train.X.cols,
        trainRows: task.train.X.rows,
        testRows: task.test.X.rows,
        sensitive: task.train.sensitive.map((s) => s.name),
      },
      config,
      parameters: dimension,
      clients: [...members.values()].map((m) => ({
        id: m.id,
        ...(m.rows !== undefined ? { rows: m.rows } : {}),
        malicious: false,
        classShares: [],
        groupShares: {},
      })),
      rounds: [...rounds],
      final,
      privacy: privacySummary(config, rounds, accountant, "processes"),
      ...(config.secure
        ? {
            secure: {
              graph: config.secure.graph,
              ...(config.secure.degree ? { degree: config.secure.degree } : {}),
              thresholdFraction: config.secure.thresholdFraction,
              ringBits: 32 as const,
            },
          }
        : {}),
      seconds: (performance.now() - started) / 1000,
      threads: 1,
    };
    return { report, weights: new Float32Array(weights), architecture };
  }
}

function sendRaw(socket: WebSocket, message: ServerToClient): void {
  if (socket.readyState === 1) socket.send(JSON.stringify(message));
}

function toWire(message: ServerToClient): unknown {
  if (message.type === "train") return { ...message, weights: encodeFloat32Vector(message.weights) };
  if (message.type === "secagg") return { ...message, message: encodeSecAggServerMessage(message.message) };
  return message;
}

function closeServer(wss: WebSocketServer): Promise<void> {
  for (const client of wss.clients) client.close(1001, "server closing");
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      for (const client of wss.clients) client.terminate();
    }, 2000);
    wss.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
