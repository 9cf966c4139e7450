/**
 * The server's side of a secure-aggregation round: it relays keys and encrypted
 * shares, collects masked inputs, and at the end removes the masks it can
 * reconstruct — the self masks of the clients whose input it holds and the pairwise
 * masks of the clients that dropped — so that it learns the sum of the inputs and
 * nothing else (Bonawitz et al. 2017, Thm. 6.2, against an honest-but-curious
 * server that colludes with fewer than `threshold` clients).
 *
 * Each phase is closed explicitly (by the driver, when every participant answered or
 * a deadline passed). Closing checks the threshold for every neighbourhood and throws
 * SecAggAbort with the reason when a secret could no longer be reconstructed.
 * Messages that break the protocol are refused with ProtocolViolation; the sender is
 * then simply treated as having dropped out.
 */
import { concat, pairwiseMask } from "./client.js";
import {
  type Bytes,
  equalBytes,
  expandMask,
  importPrivateKey,
  importPublicKey,
  publicKeyOf,
  randomBytes,
  sha256,
  utf8,
} from "./crypto.js";
import { neighbourhoods, type SecAggGraph } from "./graph.js";
import {
  type AdvertiseKeys,
  type ClientMessage,
  context,
  type KeysBroadcast,
  ProtocolViolation,
  type RoundSetup,
  SecAggAbort,
  type ShareKeys,
  type SharesDelivery,
  type UnmaskRequest,
  type UnmaskShares,
} from "./messages.js";
import { addInto, subtractInto } from "./ring.js";
import { combineShares } from "./shamir.js";

/**
 * Settings of a secure-aggregation round: the graph, the share threshold and the fewest inputs to unmask.
 *
 * @example
 * ```ts
 * import { aggregateSecurely, type SecAggSettings } from "equipoise/federated";
 * const inputs = new Map(Array.from({ length: 6 }, (_, i) => [i + 1, Uint32Array.from([i, 1])] as const));
 * const settings: SecAggSettings = { graph: { kind: "harary", degree: 4 }, thresholdFraction: 0.5, minimumInputs: 4 };
 * const { sum } = await aggregateSecurely(inputs, 1, settings); // [15, 6]
 * ```
 */
export interface SecAggSettings {
  /** The masking graph. */
  graph: SecAggGraph;
  /**
   * Shares needed to reconstruct a secret, as a fraction of a client's neighbours
   * (t = ⌊fraction · degree⌋ + 1, at least 2). Default 0.5: a majority.
   */
  thresholdFraction?: number;
  /** Fewest masked inputs to unmask (default 1); see RoundSetup.minimumInputs. */
  minimumInputs?: number;
}

/**
 * The phases of a secure-aggregation round.
 *
 * @example
 * ```ts
 * import { createRoundSetup, type SecAggPhase, SecAggServer } from "equipoise/federated";
 * const server = new SecAggServer(createRoundSetup(1, [1, 2, 3], 2, { graph: { kind: "complete" } }));
 * const phase: SecAggPhase = server.currentPhase; // "advertise", then "share", "input", "unmask" and "done"
 * const dropouts = new Map<number, Exclude<SecAggPhase, "done">>([[3, "unmask"]]); // for aggregateSecurely's options
 * ```
 */
export type SecAggPhase = "advertise" | "share" | "input" | "unmask" | "done";

/**
 * The outcome of a secure-aggregation round: the sum, who is in it, and who dropped at which phase.
 *
 * @example
 * ```ts
 * import { aggregateSecurely, type SecAggResult } from "equipoise/federated";
 * const inputs = new Map([[1, Uint32Array.from([1, 2])], [2, Uint32Array.from([3, 4])], [3, Uint32Array.from([5, 6])]]);
 * const result: SecAggResult = await aggregateSecurely(inputs, 1, { graph: { kind: "complete" } });
 * console.log(result.sum, result.included, result.dropped); // [9, 12], [1, 2, 3], no dropouts at any phase
 * ```
 */
export interface SecAggResult {
  /** Σ of the inputs of `included`, in Z_{2^32}. */
  sum: Uint32Array;
  /** Clients whose inputs are in the sum (U3). */
  included: number[];
  /** Clients that dropped (or were refused) at each phase. */
  dropped: Record<Exclude<SecAggPhase, "done">, number[]>;
}

/**
 * A round's public setup: fresh random session id and graph seed. `graphSeed` fixes
 * the graph for tests that must know it in advance; a real round leaves it unset,
 * because clients must not be able to predict their neighbours before they commit.
 *
 * @example
 * ```ts
 * import { SecAggServer, createRoundSetup } from "equipoise/federated";
 * const setup = createRoundSetup(1, [1, 2, 3], 4, { graph: { kind: "complete" } }); // round 1, 3 clients
 * const server = new SecAggServer(setup); // setup is public: sent to every participant
 * ```
 */
export function createRoundSetup(
  round: number,
  participants: readonly number[],
  vectorLength: number,
  settings: SecAggSettings,
  graphSeed: number = new Uint32Array(randomBytes(4).buffer)[0],
): RoundSetup {
  const sorted = [...new Set(participants)].sort((a, b) => a - b);
  if (sorted.length < 2)
    throw new SecAggAbort(`secure aggregation needs at least 2 clients, got ${sorted.length}`);
  const degrees = [...neighbourhoods(sorted, settings.graph, graphSeed).values()].map((n) => n.length);
  const degree = Math.min(...degrees);
  const fraction = settings.thresholdFraction ?? 0.5;
  if (!(fraction >= 0 && fraction < 1))
    throw new RangeError(`threshold fraction must be in [0, 1), got ${fraction}`);
  const threshold = Math.max(2, Math.floor(fraction * degree) + 1);
  if (threshold > degree) {
    throw new SecAggAbort(
      `${sorted.length} clients are too few: a client has ${degree} neighbours, the threshold is ${threshold}`,
    );
  }
  if (degree > 255)
    throw new RangeError(
      `a neighbourhood of ${degree} clients exceeds Shamir sharing's 255 shares; use the SecAgg+ graph`,
    );
  const session = [...randomBytes(16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return {
    kind: "setup",
    session,
    round,
    participants: sorted,
    graph: settings.graph,
    graphSeed,
    threshold,
    vectorLength,
    minimumInputs: settings.minimumInputs ?? 1,
  };
}

/**
 * The server's side of secure aggregation: collects each phase's messages, closes the phase, and unmasks the sum.
 * It sees only masked inputs. Most users call {@link aggregateSecurely} instead.
 *
 * @example
 * ```ts
 * import { createRoundSetup, SecAggServer } from "equipoise/federated";
 * const setup = createRoundSetup(1, [1, 2, 3], 4, { graph: { kind: "complete" } });
 * const server = new SecAggServer(setup);
 * console.log(server.currentPhase); // "advertise"
 * ```
 */
export class SecAggServer {
  private phase: SecAggPhase = "advertise";
  private readonly neighbours: Map<number, number[]>;
  private readonly advertised = new Map<number, AdvertiseKeys>();
  private readonly shared = new Map<number, ShareKeys>();
  private readonly inputs = new Map<number, Uint32Array>();
  private readonly responses = new Map<number, UnmaskShares>();
  private readonly requests = new Map<number, UnmaskRequest>();
  private readonly droppedAt: SecAggResult["dropped"] = { advertise: [], share: [], input: [], unmask: [] };

  constructor(readonly setup: RoundSetup) {
    this.neighbours = neighbourhoods(setup.participants, setup.graph, setup.graphSeed);
  }

  /** The phase the round is in. */
  get currentPhase(): SecAggPhase {
    return this.phase;
  }

  /** Clients expected to answer in the current phase. */
  expected(): number[] {
    const set =
      this.phase === "advertise"
        ? this.setup.participants
        : this.phase === "share"
          ? [...this.advertised.keys()]
          : this.phase === "input"
            ? [...this.shared.keys()]
            : this.phase === "unmask"
              ? [...this.requests.keys()]
              : [];
    return [...set].sort((a, b) => a - b);
  }

  /** Expected clients that have not answered yet in the current phase. */
  pending(): number[] {
    const received =
      this.phase === "advertise"
        ? this.advertised
        : this.phase === "share"
          ? this.shared
          : this.phase === "input"
            ? this.inputs
            : this.responses;
    return this.expected().filter((u) => !received.has(u));
  }

  /** True when every expected client has answered in the current phase. */
  complete(): boolean {
    return this.pending().length === 0;
  }

  /** Accepts one client message of the current phase; throws ProtocolViolation otherwise. */
  receive(message: ClientMessage): void {
    if (message.session !== this.setup.session || message.round !== this.setup.round)
      throw new ProtocolViolation(
        `message for session ${message.session} round ${message.round}, not this round (replayed?)`,
      );
    const u = message.client;
    switch (message.kind) {
      case "advertise-keys":
        this.expectPhase("advertise", message.kind);
        this.expectSender(u, this.setup.participants, this.advertised);
        if (message.encryptionKey.length !== 32 || message.maskingKey.length !== 32)
          throw new ProtocolViolation(`client ${u}: public keys must have 32 bytes`);
        if (equalBytes(message.encryptionKey, message.maskingKey))
          throw new ProtocolViolation(`client ${u}: the two public keys must differ`);
        this.advertised.set(u, message);
        return;
      case "share-keys": {
        this.expectPhase("share", message.kind);
        this.expectSender(u, [...this.advertised.keys()], this.shared);
        const recipients = this.liveNeighbours(u, this.advertised);
        const addressed = message.shares.map((s) => s.to).sort((a, b) => a - b);
        if (addressed.length !== recipients.length || addressed.some((v, i) => v !== recipients[i]))
          throw new ProtocolViolation(
            `client ${u}: shares must go to exactly its ${recipients.length} neighbours that advertised keys`,
          );
        if (message.selfMaskCommitment.length !== 32)
          throw new ProtocolViolation(`client ${u}: the self-mask commitment must have 32 bytes`);
        this.shared.set(u, message);
        return;
      }
      case "masked-input":
        this.expectPhase("input", message.kind);
        this.expectSender(u, [...this.shared.keys()], this.inputs);
        if (message.vector.length !== this.setup.vectorLength)
          throw new ProtocolViolation(
            `client ${u}: masked input of ${message.vector.length} words, expected ${this.setup.vectorLength}`,
          );
        this.inputs.set(u, message.vector);
        return;
      case "unmask-shares": {
        this.expectPhase("unmask", message.kind);
        this.expectSender(u, [...this.requests.keys()], this.responses);
        const request = this.requests.get(u)!;
        const wantSelf = request.survivors.filter((v) => v !== u).sort((a, b) => a - b);
        const wantKeys = [...request.dropped].sort((a, b) => a - b);
        const gotSelf = message.selfMaskShares.map((s) => s.of).sort((a, b) => a - b);
        const gotKeys = message.keyShares.map((s) => s.of).sort((a, b) => a - b);
        if (!sameList(wantSelf, gotSelf) || !sameList(wantKeys, gotKeys))
          throw new ProtocolViolation(`client ${u}: the unmask shares do not answer the request`);
        if ([...message.selfMaskShares, ...message.keyShares].some((s) => s.share.length !== 33))
          throw new ProtocolViolation(`client ${u}: a share must have 33 bytes`);
        this.responses.set(u, message);
        return;
      }
      default:
        throw new ProtocolViolation(`unknown message kind '${(message as { kind: string }).kind}'`);
    }
  }

  /** Ends phase 1; the keys each client receives (its neighbours that advertised). */
  closeAdvertise(): Map<number, KeysBroadcast> {
    this.expectPhase("advertise", "close");
    this.droppedAt.advertise = this.setup.participants.filter((u) => !this.advertised.has(u));
    const live = [...this.advertised.keys()];
    this.requireNeighbourhoods(live, this.advertised, "advertised keys");
    this.phase = "share";
    const out = new Map<number, KeysBroadcast>();
    for (const u of live) {
      out.set(u, {
        kind: "keys",
        session: this.setup.session,
        round: this.setup.round,
        keys: this.liveNeighbours(u, this.advertised).map((v) => {
          const { encryptionKey, maskingKey } = this.advertised.get(v)!;
          return { client: v, encryptionKey, maskingKey };
        }),
      });
    }
    return out;
  }

  /** Ends phase 2; the ciphertexts each client receives (from its neighbours that shared). */
  closeShares(): Map<number, SharesDelivery> {
    this.expectPhase("share", "close");
    this.droppedAt.share = [...this.advertised.keys()].filter((u) => !this.shared.has(u));
    this.requireNeighbourhoods([...this.shared.keys()], this.shared, "shared keys");
    this.phase = "input";
    const out = new Map<number, SharesDelivery>();
    for (const v of this.shared.keys()) {
      const shares = this.liveNeighbours(v, this.shared).map((u) => ({
        from: u,
        ciphertext: this.shared.get(u)!.shares.find((s) => s.to === v)!.ciphertext,
      }));
      out.set(v, { kind: "shares", session: this.setup.session, round: this.setup.round, shares });
    }
    return out;
  }

  /** Ends phase 3; what each client that sent an input is asked to reveal. */
  closeInputs(): Map<number, UnmaskRequest> {
    this.expectPhase("input", "close");
    this.droppedAt.input = [...this.shared.keys()].filter((u) => !this.inputs.has(u));
    if (this.inputs.size === 0) throw new SecAggAbort("no client sent a masked input");
    if (this.inputs.size < this.setup.minimumInputs) {
      throw new SecAggAbort(
        `only ${this.inputs.size} clients sent masked inputs; at least ${this.setup.minimumInputs} are needed (distributed DP noise)`,
      );
    }
    // Every survivor's self mask and every relevant dropped key must stay reconstructible.
    for (const u of this.shared.keys()) {
      const holders = this.liveNeighbours(u, this.inputs);
      const needed = this.inputs.has(u) || holders.length > 0;
      if (needed && holders.length < this.setup.threshold) {
        throw new SecAggAbort(
          `only ${holders.length} neighbours of client ${u} sent masked inputs; ${this.setup.threshold} are needed to remove its masks`,
        );
      }
    }
    this.phase = "unmask";
    for (const v of this.inputs.keys()) {
      const near = this.liveNeighbours(v, this.shared);
      this.requests.set(v, {
        kind: "unmask",
        session: this.setup.session,
        round: this.setup.round,
        survivors: [v, ...near.filter((u) => this.inputs.has(u))].sort((a, b) => a - b),
        dropped: near.filter((u) => !this.inputs.has(u)),
      });
    }
    return new Map(this.requests);
  }

  /** Ends phase 4: reconstructs the secrets, removes the masks, returns the sum. */
  async closeUnmask(): Promise<SecAggResult> {
    this.expectPhase("unmask", "close");
    this.droppedAt.unmask = [...this.requests.keys()].filter((u) => !this.responses.has(u));
    const { session, round, vectorLength, threshold } = this.setup;
    const sum = new Uint32Array(vectorLength);
    for (const vector of this.inputs.values()) addInto(sum, vector);
    const sharesOf = (u: number, kind: "selfMaskShares" | "keyShares"): Bytes[] => {
      const out: Bytes[] = [];
      for (const v of this.liveNeighbours(u, this.responses)) {
        const share = this.responses.get(v)![kind].find((s) => s.of === u);
        if (share) out.push(share.share);
      }
      if (out.length < threshold) {
        throw new SecAggAbort(
          `only ${out.length} shares of client ${u}'s ${kind === "keyShares" ? "masking key" : "self-mask seed"} arrived; the threshold is ${threshold}`,
        );
      }
      return out.slice(0, threshold);
    };
    const work: Promise<void>[] = [];
    for (const u of this.inputs.keys()) {
      work.push(
        (async () => {
          const seed = await reconstruct(sharesOf(u, "selfMaskShares"), u, "self-mask seed");
          const commitment = await sha256(concat(utf8(context.commitment(session, round, u)), seed));
          if (!equalBytes(commitment, this.shared.get(u)!.selfMaskCommitment))
            throw new SecAggAbort(
              `client ${u}'s reconstructed self-mask seed does not match its commitment (corrupt shares)`,
            );
          subtractInto(sum, await expandMask(seed, vectorLength));
        })(),
      );
    }
    for (const u of this.droppedAt.input) {
      const survivors = this.liveNeighbours(u, this.inputs);
      if (survivors.length === 0) continue;
      work.push(
        (async () => {
          const scalar = await reconstruct(sharesOf(u, "keyShares"), u, "masking key");
          const key = await importPrivateKey(scalar);
          if (!equalBytes(await publicKeyOf(key), this.advertised.get(u)!.maskingKey))
            throw new SecAggAbort(
              `client ${u}'s reconstructed masking key does not match its public key (corrupt shares)`,
            );
          for (const v of survivors) {
            const peer = await importPublicKey(this.advertised.get(v)!.maskingKey);
            const mask = await pairwiseMask(key, peer, this.setup, u, v);
            // v added +mask when v < u, −mask otherwise; take back exactly that.
            if (v < u) subtractInto(sum, mask);
            else addInto(sum, mask);
          }
        })(),
      );
    }
    const settled = await Promise.allSettled(work);
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failure) throw failure.reason;
    this.phase = "done";
    return { sum, included: [...this.inputs.keys()].sort((a, b) => a - b), dropped: this.droppedAt };
  }

  /** Neighbours of u that are keys of `live`, ascending. */
  private liveNeighbours(u: number, live: Map<number, unknown>): number[] {
    return (this.neighbours.get(u) ?? []).filter((v) => live.has(v));
  }

  private requireNeighbourhoods(clients: number[], live: Map<number, unknown>, what: string): void {
    if (clients.length < this.setup.threshold) {
      throw new SecAggAbort(
        `only ${clients.length} clients ${what}; the threshold is ${this.setup.threshold}`,
      );
    }
    for (const u of clients) {
      const count = this.liveNeighbours(u, live).length;
      if (count < this.setup.threshold) {
        throw new SecAggAbort(
          `only ${count} neighbours of client ${u} ${what}; the threshold is ${this.setup.threshold}`,
        );
      }
    }
  }

  private expectPhase(phase: SecAggPhase, what: string): void {
    if (this.phase !== phase)
      throw new ProtocolViolation(`'${what}' in phase '${this.phase}', expected '${phase}'`);
  }

  private expectSender(u: number, allowed: readonly number[], received: Map<number, unknown>): void {
    if (!allowed.includes(u))
      throw new ProtocolViolation(`client ${u} is not expected in phase '${this.phase}'`);
    if (received.has(u))
      throw new ProtocolViolation(`client ${u} already answered in phase '${this.phase}' (replayed?)`);
  }
}

async function reconstruct(shares: Bytes[], client: number, what: string): Promise<Bytes> {
  try {
    const secret = await combineShares(shares);
    if (secret.length !== 32) throw new Error(`${secret.length} bytes`);
    return secret;
  } catch (error) {
    throw new SecAggAbort(`client ${client}'s ${what} cannot be reconstructed: ${(error as Error).message}`);
  }
}

function sameList(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
