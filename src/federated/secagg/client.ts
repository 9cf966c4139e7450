/**
 * One client's side of a secure-aggregation round. A state machine with one method
 * per phase; each checks what the server sent (a client protects itself from a
 * server that deviates from the protocol in ways it can see) and throws
 * ProtocolViolation or SecAggAbort instead of answering. Transport-agnostic: the
 * simulation calls it directly, the WebSocket client and the browser client through
 * their sockets.
 */
import {
  agree,
  type Bytes,
  decrypt,
  deriveKey,
  encrypt,
  expandMask,
  exportPrivateKey,
  generateKeyPair,
  importPublicKey,
  type KeyPair,
  type PrivateKey,
  type PublicKey,
  randomBytes,
  type SymmetricKey,
  sha256,
  utf8,
} from "./crypto.js";
import { neighboursOf } from "./graph.js";
import {
  type AdvertiseKeys,
  type ClientMessage,
  context,
  type KeysBroadcast,
  labels,
  type MaskedInput,
  ProtocolViolation,
  type RoundSetup,
  SecAggAbort,
  type ServerMessage,
  type ShareKeys,
  type SharesDelivery,
  type UnmaskRequest,
  type UnmaskShares,
} from "./messages.js";
import { addInto, subtractInto } from "./ring.js";
import type { SecAggPhase } from "./server.js";
import { splitSecret } from "./shamir.js";

const SHARE_BYTES = 33; // a 32-byte secret and its x-coordinate

type Phase = "idle" | "advertised" | "shared" | "masked" | "unmasked";

/**
 * One client's side of secure aggregation (Bonawitz et al. 2017 with the sparse graphs of Bell et al. 2020):
 * key advertisement, secret sharing, the masked input and unmasking. Most users call {@link aggregateSecurely}
 * or {@link simulateFederated} instead.
 *
 * @example
 * ```ts
 * import { type RoundSetup, SecAggClient } from "equipoise/federated";
 * declare const setup: RoundSetup; // the server's (see createRoundSetup)
 * const client = new SecAggClient(3);
 * const keys = await client.advertise(setup);
 * ```
 */
export class SecAggClient {
  private phase: Phase = "idle";
  private setup!: RoundSetup;
  private neighbours = new Set<number>();
  private encryption!: KeyPair;
  private masking!: KeyPair;
  private selfMaskSeed!: Bytes;
  private peerKeys = new Map<number, { encryptionKey: PublicKey; maskingKey: PublicKey }>();
  /** The AES-GCM key shared with each neighbour (derived once, used both ways). */
  private channelKeys = new Map<number, SymmetricKey>();
  private heldShares = new Map<number, { keyShare: Bytes; selfMaskShare: Bytes }>();

  /**
   * `importKey` turns a peer's advertised public key into a key object; a simulation of
   * many clients in one process passes one memo for the round, since every neighbour of
   * a client imports the same key (16,800 imports of 200 keys at 100 clients, degree 84).
   */
  constructor(
    readonly id: number,
    private readonly importKey: (publicKey: Uint8Array) => Promise<PublicKey> = importPublicKey,
  ) {}

  /** Phase 1: fresh key pairs for this round. */
  async advertise(setup: RoundSetup): Promise<AdvertiseKeys> {
    this.expectPhase("idle", "setup");
    if (!setup.participants.includes(this.id))
      throw new ProtocolViolation(`client ${this.id} is not among this round's participants`);
    if (!(Number.isInteger(setup.threshold) && setup.threshold >= 2))
      throw new ProtocolViolation(`threshold ${setup.threshold} is below 2`);
    this.setup = setup;
    this.neighbours = new Set(neighboursOf(setup.participants, setup.graph, setup.graphSeed, this.id));
    if (this.neighbours.size < setup.threshold) {
      throw new SecAggAbort(
        `client ${this.id} has ${this.neighbours.size} neighbours, fewer than the threshold ${setup.threshold}`,
      );
    }
    [this.encryption, this.masking] = await Promise.all([generateKeyPair(), generateKeyPair()]);
    this.phase = "advertised";
    return {
      kind: "advertise-keys",
      session: setup.session,
      round: setup.round,
      client: this.id,
      encryptionKey: this.encryption.publicKey,
      maskingKey: this.masking.publicKey,
    };
  }

  /** Phase 2: shares of s_sk and b for every neighbour, encrypted to that neighbour. */
  async shareKeys(message: KeysBroadcast): Promise<ShareKeys> {
    this.expectPhase("advertised", "keys");
    this.checkAddress(message);
    for (const entry of message.keys) {
      if (!this.neighbours.has(entry.client))
        throw new ProtocolViolation(`keys of client ${entry.client}, who is not a neighbour`);
      if (this.peerKeys.has(entry.client)) throw new ProtocolViolation(`client ${entry.client}'s keys twice`);
      if (entry.encryptionKey.length !== 32 || entry.maskingKey.length !== 32)
        throw new ProtocolViolation(`client ${entry.client}'s keys are not 32-byte X25519 keys`);
      this.peerKeys.set(entry.client, {
        encryptionKey: await this.importKey(entry.encryptionKey),
        maskingKey: await this.importKey(entry.maskingKey),
      });
    }
    const recipients = [...this.peerKeys.keys()].sort((a, b) => a - b);
    const { threshold, session, round } = this.setup;
    if (recipients.length < threshold) {
      throw new SecAggAbort(
        `only ${recipients.length} neighbours of client ${this.id} advertised keys; the threshold is ${threshold}`,
      );
    }
    this.selfMaskSeed = randomBytes(32);
    const [keyShares, selfMaskShares] = await Promise.all([
      splitSecret(await exportPrivateKey(this.masking.privateKey), recipients.length, threshold),
      splitSecret(this.selfMaskSeed, recipients.length, threshold),
    ]);
    const salt = utf8(context.round(session, round));
    const shares = await Promise.all(
      recipients.map(async (to, k) => {
        const secret = await agree(this.encryption.privateKey, this.peerKeys.get(to)!.encryptionKey);
        const key = await deriveKey(secret, salt, labels.shareEncryption, "AES-GCM");
        this.channelKeys.set(to, key);
        const plaintext = new Uint8Array(2 * SHARE_BYTES);
        plaintext.set(keyShares[k]);
        plaintext.set(selfMaskShares[k], SHARE_BYTES);
        return {
          to,
          ciphertext: await encrypt(key, plaintext, utf8(context.share(session, round, this.id, to))),
        };
      }),
    );
    const selfMaskCommitment = await sha256(
      concat(utf8(context.commitment(session, round, this.id)), this.selfMaskSeed),
    );
    this.phase = "shared";
    return { kind: "share-keys", session, round, client: this.id, selfMaskCommitment, shares };
  }

  /** Phase 3: the input under its self mask and the pairwise masks with every neighbour who shared. */
  async maskInput(message: SharesDelivery, input: Uint32Array): Promise<MaskedInput> {
    this.expectPhase("shared", "shares");
    this.checkAddress(message);
    const { session, round, threshold, vectorLength } = this.setup;
    if (input.length !== vectorLength)
      throw new RangeError(`the input has ${input.length} words, the round expects ${vectorLength}`);
    const senders = new Set<number>();
    for (const { from } of message.shares) {
      if (!this.channelKeys.has(from))
        throw new ProtocolViolation(`shares from client ${from}, whose keys were not advertised`);
      if (senders.has(from)) throw new ProtocolViolation(`shares from client ${from} twice`);
      senders.add(from);
    }
    const opened = await Promise.all(
      message.shares.map(({ from, ciphertext }) =>
        decrypt(this.channelKeys.get(from)!, ciphertext, utf8(context.share(session, round, from, this.id))),
      ),
    );
    message.shares.forEach(({ from }, k) => {
      const plain = opened[k];
      if (!plain || plain.length !== 2 * SHARE_BYTES)
        throw new ProtocolViolation(`the shares from client ${from} do not decrypt`);
      this.heldShares.set(from, {
        keyShare: plain.slice(0, SHARE_BYTES),
        selfMaskShare: plain.slice(SHARE_BYTES),
      });
    });
    if (this.heldShares.size < threshold) {
      throw new SecAggAbort(
        `only ${this.heldShares.size} neighbours of client ${this.id} shared keys; the threshold is ${threshold}`,
      );
    }
    const masked = new Uint32Array(input);
    addInto(masked, await expandMask(this.selfMaskSeed, vectorLength));
    // One mask at a time, added as soon as it is expanded: with every mask of every
    // simulated client alive at once (100 clients × 84 neighbours × 43 KB), the
    // round's time went to the allocator and the garbage collector.
    for (const peer of this.heldShares.keys()) {
      const mask = await pairwiseMask(
        this.masking.privateKey,
        this.peerKeys.get(peer)!.maskingKey,
        this.setup,
        this.id,
        peer,
      );
      if (this.id < peer) addInto(masked, mask);
      else subtractInto(masked, mask);
    }
    this.phase = "masked";
    return { kind: "masked-input", session, round, client: this.id, vector: masked };
  }

  /**
   * Phase 4: for each surviving neighbour the share of its self-mask seed, for each
   * dropped one the share of its masking key. Never both for one client, and only
   * once per round: otherwise a server could unmask an input it claims was missing.
   */
  unmask(message: UnmaskRequest): UnmaskShares {
    this.expectPhase("masked", "unmask");
    this.checkAddress(message);
    const survivors = new Set(message.survivors);
    const dropped = new Set(message.dropped);
    if (!survivors.has(this.id)) throw new ProtocolViolation("the unmask request does not list this client");
    for (const u of [...survivors, ...dropped]) {
      if (u !== this.id && !this.heldShares.has(u))
        throw new ProtocolViolation(
          `the unmask request names client ${u}, who shared nothing with this client`,
        );
      if (survivors.has(u) && dropped.has(u))
        throw new ProtocolViolation(`client ${u} is listed both as a survivor and as dropped`);
    }
    if (survivors.size + dropped.size !== message.survivors.length + message.dropped.length)
      throw new ProtocolViolation("the unmask request lists a client twice");
    for (const u of this.heldShares.keys()) {
      if (!survivors.has(u) && !dropped.has(u))
        throw new ProtocolViolation(`the unmask request does not say whether client ${u} survived`);
    }
    if (survivors.size < this.setup.threshold) {
      throw new SecAggAbort(
        `only ${survivors.size} clients sent masked inputs; the threshold is ${this.setup.threshold}`,
      );
    }
    this.phase = "unmasked";
    const { session, round } = this.setup;
    return {
      kind: "unmask-shares",
      session,
      round,
      client: this.id,
      selfMaskShares: [...survivors]
        .filter((u) => u !== this.id)
        .map((of) => ({ of, share: this.heldShares.get(of)!.selfMaskShare })),
      keyShares: [...dropped].map((of) => ({ of, share: this.heldShares.get(of)!.keyShare })),
    };
  }

  private expectPhase(phase: Phase, message: string): void {
    if (this.phase !== phase)
      throw new ProtocolViolation(`unexpected '${message}' message in phase '${this.phase}'`);
  }

  private checkAddress(message: { session: string; round: number }): void {
    if (message.session !== this.setup.session || message.round !== this.setup.round)
      throw new ProtocolViolation(
        `a message for session ${message.session} round ${message.round} (replayed?)`,
      );
  }
}

/**
 * One client's part of a phase of a simulated round (in this thread, or in a worker of
 * client-host.ts): its reply, or null when it aborts or refuses the message, which makes
 * it drop out as a real client that falls silent would.
 */
export async function clientReply(
  client: SecAggClient,
  phase: Exclude<SecAggPhase, "done">,
  message: ServerMessage,
  input: Uint32Array | undefined,
): Promise<ClientMessage | null> {
  try {
    switch (phase) {
      case "advertise":
        return await client.advertise(message as RoundSetup);
      case "share":
        return await client.shareKeys(message as KeysBroadcast);
      case "input":
        return await client.maskInput(message as SharesDelivery, input!);
      case "unmask":
        return await client.unmask(message as UnmaskRequest);
    }
  } catch (error) {
    if (error instanceof ProtocolViolation || error instanceof SecAggAbort) return null;
    throw error;
  }
}

/**
 * An importer of public keys that imports each distinct key once: the simulated
 * clients of one round (in one thread) share it, since every neighbour of a client
 * imports the same keys. Public values only; one memo per round.
 */
export function publicKeyMemo(): (publicKey: Uint8Array) => Promise<PublicKey> {
  const imported = new Map<string, Promise<PublicKey>>();
  return (publicKey) => {
    const text = Array.from(publicKey, (byte) => byte.toString(16).padStart(2, "0")).join("");
    let key = imported.get(text);
    if (!key) imported.set(text, (key = importPublicKey(publicKey)));
    return key;
  };
}

/** The mask PRG(KDF(X25519(s_u, s_v))) shared by clients u and v in this round. */
export async function pairwiseMask(
  privateKey: PrivateKey,
  peerPublicKey: PublicKey,
  setup: Pick<RoundSetup, "session" | "round" | "vectorLength">,
  a: number,
  b: number,
): Promise<Uint32Array> {
  const secret = await agree(privateKey, peerPublicKey);
  const salt = utf8(context.pair(setup.session, setup.round, a, b));
  return expandMask(await deriveKey(secret, salt, labels.pairwiseMask, "AES-CTR"), setup.vectorLength);
}

export function concat(a: Uint8Array, b: Uint8Array): Bytes {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
