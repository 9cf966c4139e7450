/**
 * The four phases of one secure-aggregation round (Bonawitz et al. 2017, Fig. 4,
 * the honest-but-curious-server version), as the messages clients and the server
 * exchange. Every message names its session and round, so that a message replayed
 * from another round is refused, and every client message names its sender.
 *
 *  0. setup        server → all   who takes part, the graph, the threshold, the vector length
 *  1. advertise    client → server two X25519 public keys (c for encryption, s for masks)
 *     keys         server → client its neighbours' public keys (those who advertised: U1)
 *  2. share-keys   client → server Shamir shares of s_sk and of the self-mask seed b, one
 *                                  AES-GCM ciphertext per neighbour, and a commitment to b
 *     shares       server → client the ciphertexts addressed to it (their senders: U2)
 *  3. masked-input client → server y = x + PRG(b) + Σ ±PRG(s_uv) in Z_{2^32}^d
 *     unmask       server → client which neighbours sent y (U3) and which dropped
 *  4. unmask-shares client → server the share of b for each survivor, of s_sk for each
 *                                  dropped neighbour — never both for the same client
 */
import type { Bytes } from "./crypto.js";
import type { SecAggGraph } from "./graph.js";

/**
 * The server's public setup of a secure-aggregation round: session, participants, graph and threshold.
 *
 * @example
 * ```ts
 * import { createRoundSetup, type RoundSetup, SecAggClient } from "equipoise/federated";
 * const setup: RoundSetup = createRoundSetup(1, [1, 2, 3], 2, { graph: { kind: "complete" } });
 * setup.threshold; // 2: shares needed to rebuild a client's secrets
 * setup.session; // fresh and random: binds every message to this round
 * const advert = await new SecAggClient(1).advertise(setup); // every participant receives the setup
 * ```
 */
export interface RoundSetup {
  kind: "setup";
  /** Random, public, fresh per round: binds every key, mask and ciphertext to this round. */
  session: string;
  round: number;
  /** Ids of the clients selected for this round, ascending. */
  participants: number[];
  graph: SecAggGraph;
  /** Public seed of the graph's random order (SecAgg+). */
  graphSeed: number;
  /** Shares needed to reconstruct a client's secret (at least 2). */
  threshold: number;
  /** Number of ring words of every input. */
  vectorLength: number;
  /**
   * Fewest masked inputs the server may unmask (distributed DP: the noise of fewer
   * clients would be short of the accounted level). Below it the round aborts before
   * any unmasking share is requested.
   */
  minimumInputs: number;
}

interface Addressed {
  session: string;
  round: number;
}

/**
 * A client's first message: its two public keys (encryption and masking).
 *
 * @example
 * ```ts
 * import { type AdvertiseKeys, createRoundSetup, SecAggClient, SecAggServer } from "equipoise/federated";
 * const setup = createRoundSetup(1, [1, 2, 3], 2, { graph: { kind: "complete" } });
 * const server = new SecAggServer(setup);
 * const advert: AdvertiseKeys = await new SecAggClient(1).advertise(setup); // phase 1: two fresh public keys
 * server.receive(advert);
 * ```
 */
export interface AdvertiseKeys extends Addressed {
  kind: "advertise-keys";
  client: number;
  encryptionKey: Bytes;
  maskingKey: Bytes;
}

/**
 * The server forwards each client its neighbours' public keys.
 *
 * @example
 * ```ts
 * import type { KeysBroadcast, SecAggClient, SecAggServer } from "equipoise/federated";
 * declare const server: SecAggServer; // every participant's AdvertiseKeys received
 * declare const client: SecAggClient; // one of them
 * const broadcasts: Map<number, KeysBroadcast> = server.closeAdvertise(); // one per client
 * server.receive(await client.shareKeys(broadcasts.get(client.id)!)); // keys of the client's neighbours
 * ```
 */
export interface KeysBroadcast extends Addressed {
  kind: "keys";
  keys: { client: number; encryptionKey: Bytes; maskingKey: Bytes }[];
}

/**
 * A client's encrypted Shamir shares of its secrets, one per neighbour.
 *
 * @example
 * ```ts
 * import type { KeysBroadcast, SecAggClient, SecAggServer, ShareKeys } from "equipoise/federated";
 * declare const server: SecAggServer; declare const client: SecAggClient;
 * declare const broadcast: KeysBroadcast; // the client's, from server.closeAdvertise()
 * const message: ShareKeys = await client.shareKeys(broadcast); // phase 2: one encrypted share per neighbour
 * server.receive(message);
 * ```
 */
export interface ShareKeys extends Addressed {
  kind: "share-keys";
  client: number;
  /** SHA-256 of the self-mask seed in context: lets the server check its reconstruction. */
  selfMaskCommitment: Bytes;
  shares: { to: number; ciphertext: Bytes }[];
}

/**
 * The server forwards each client the encrypted shares addressed to it.
 *
 * @example
 * ```ts
 * import type { SecAggClient, SecAggServer, SharesDelivery } from "equipoise/federated";
 * declare const server: SecAggServer; // every participant's ShareKeys received
 * declare const client: SecAggClient;
 * const deliveries: Map<number, SharesDelivery> = server.closeShares(); // the ciphertexts addressed to each client
 * const masked = await client.maskInput(deliveries.get(client.id)!, Uint32Array.from([5, 10]));
 * ```
 */
export interface SharesDelivery extends Addressed {
  kind: "shares";
  shares: { from: number; ciphertext: Bytes }[];
}

/**
 * A client's masked input vector, in Z_{2^32}.
 *
 * @example
 * ```ts
 * import type { MaskedInput, SecAggClient, SecAggServer, SharesDelivery } from "equipoise/federated";
 * declare const server: SecAggServer; declare const client: SecAggClient;
 * declare const delivery: SharesDelivery; // the client's, from server.closeShares()
 * const masked: MaskedInput = await client.maskInput(delivery, Uint32Array.from([5, 10])); // phase 3
 * server.receive(masked); // masked.vector alone tells the server nothing about [5, 10]
 * ```
 */
export interface MaskedInput extends Addressed {
  kind: "masked-input";
  client: number;
  vector: Uint32Array;
}

/**
 * The server asks each client for the shares that unmask the sum: survivors' self-masks, dropped clients' keys.
 *
 * @example
 * ```ts
 * import type { SecAggClient, SecAggServer, UnmaskRequest } from "equipoise/federated";
 * declare const server: SecAggServer; // masked inputs received
 * declare const client: SecAggClient;
 * const requests: Map<number, UnmaskRequest> = server.closeInputs(); // SecAggAbort when too few inputs arrived
 * const request = requests.get(client.id)!;
 * console.log(request.survivors, request.dropped); // the neighbours whose input arrived, and those who dropped
 * ```
 */
export interface UnmaskRequest extends Addressed {
  kind: "unmask";
  /** Neighbours whose masked input arrived (the recipient itself is one of them). */
  survivors: number[];
  /** Neighbours who shared keys but sent no (valid) masked input. */
  dropped: number[];
}

/**
 * A client's answer: the shares the server asked for.
 *
 * @example
 * ```ts
 * import type { SecAggClient, SecAggServer, UnmaskRequest, UnmaskShares } from "equipoise/federated";
 * declare const server: SecAggServer; declare const client: SecAggClient;
 * declare const request: UnmaskRequest; // the client's, from server.closeInputs()
 * const answer: UnmaskShares = client.unmask(request); // phase 4: shares of survivors' self-masks and dropped clients' keys
 * server.receive(answer);
 * const { sum, included } = await server.closeUnmask(); // once the survivors have answered
 * ```
 */
export interface UnmaskShares extends Addressed {
  kind: "unmask-shares";
  client: number;
  selfMaskShares: { of: number; share: Bytes }[];
  keyShares: { of: number; share: Bytes }[];
}

/**
 * Any message a client sends in a secure-aggregation round.
 *
 * @example
 * ```ts
 * import { aggregateSecurely, type ClientMessage } from "equipoise/federated";
 * const inputs = new Map([[1, Uint32Array.from([1, 2])], [2, Uint32Array.from([3, 4])], [3, Uint32Array.from([5, 6])]]);
 * const log = (message: ClientMessage): void => console.log(message.round, message.client, message.kind);
 * await aggregateSecurely(inputs, 1, { graph: { kind: "complete" } }, { observe: log }); // the server's view, message by message
 * ```
 */
export type ClientMessage = AdvertiseKeys | ShareKeys | MaskedInput | UnmaskShares;
export type ServerMessage = RoundSetup | KeysBroadcast | SharesDelivery | UnmaskRequest;

/**
 * A round that cannot complete; `reason` says why in one line.
 *
 * @example
 * ```ts
 * import { SecAggAbort, type SecAggSettings, aggregateSecurely } from "equipoise/federated";
 * declare const inputs: Map<number, Uint32Array>; // client id → ring vector
 * declare const settings: SecAggSettings; // e.g. { graph: { kind: "complete" } }
 * try {
 *   await aggregateSecurely(inputs, 1, settings);
 * } catch (error) {
 *   if (error instanceof SecAggAbort) console.log(`round aborted: ${error.message}`); // too few clients left
 * }
 * ```
 */
export class SecAggAbort extends Error {
  override name = "SecAggAbort";
}

/**
 * A message that breaks the protocol (wrong round, phase, length, sender...).
 *
 * @example
 * ```ts
 * import { type ClientMessage, ProtocolViolation, type SecAggServer } from "equipoise/federated";
 * declare const server: SecAggServer; declare const message: ClientMessage; // what a client sent
 * try {
 *   server.receive(message);
 * } catch (error) {
 *   if (error instanceof ProtocolViolation) console.log(`dropped client ${message.client}: ${error.message}`);
 * }
 * ```
 */
export class ProtocolViolation extends Error {
  override name = "ProtocolViolation";
}

/** Context strings that bind derived keys, ciphertexts and commitments to one round. */
export const context = {
  round: (session: string, round: number) => `equipoise-secagg/v1|${session}|${round}`,
  pair: (session: string, round: number, a: number, b: number) =>
    `equipoise-secagg/v1|${session}|${round}|${Math.min(a, b)}|${Math.max(a, b)}`,
  share: (session: string, round: number, from: number, to: number) =>
    `equipoise-secagg/v1|${session}|${round}|share|${from}->${to}`,
  commitment: (session: string, round: number, client: number) =>
    `equipoise-secagg/v1|${session}|${round}|self-mask|${client}|`,
};

/** HKDF labels: one key per purpose. */
export const labels = {
  shareEncryption: "equipoise/secagg/v1/share-encryption",
  pairwiseMask: "equipoise/secagg/v1/pairwise-mask",
};
