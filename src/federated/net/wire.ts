/**
 * The messages between a federation server and its clients, as JSON text frames over
 * WebSocket. Every message is validated with zod on arrival; byte strings and
 * vectors travel as base64 (vectors little-endian). A message that fails
 * validation is a protocol violation: the receiver refuses it with one line and
 * never acts on it. Shared by Node and browser clients.
 */
import { z } from "zod";
import type { Bytes } from "../secagg/crypto.js";
import type { ClientMessage, RoundSetup, ServerMessage } from "../secagg/messages.js";
import { taskSpecSchema } from "../task-spec.js";

export const PROTOCOL = "equipoise-federated/1";

// ---- base64 -------------------------------------------------------------------------------

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function base64ToBytes(text: string): Bytes {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function wordsToBase64(words: Uint32Array | Float32Array): string {
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  if (words instanceof Float32Array)
    for (let i = 0; i < words.length; i++) view.setFloat32(i * 4, words[i], true);
  else for (let i = 0; i < words.length; i++) view.setUint32(i * 4, words[i], true);
  return bytesToBase64(bytes);
}

function base64ToView(text: string): DataView {
  const bytes = base64ToBytes(text);
  if (bytes.length % 4 !== 0) throw new Error(`${bytes.length} bytes are not whole 32-bit words`);
  return new DataView(bytes.buffer);
}

export const encodeFloat32Vector = wordsToBase64;
export const encodeUint32Vector = wordsToBase64;

export function decodeFloat32Vector(text: string): Float32Array {
  const view = base64ToView(text);
  const out = new Float32Array(view.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export function decodeUint32Vector(text: string): Uint32Array {
  const view = base64ToView(text);
  if (littleEndian) return new Uint32Array(view.buffer);
  const out = new Uint32Array(view.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

// ---- schemas ------------------------------------------------------------------------------

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "not base64");
const id = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31);
const round = z.number().int().min(0);

const bytes = base64.transform((text) => base64ToBytes(text));
const uint32Vector = base64.transform((text, context) => {
  try {
    return decodeUint32Vector(text);
  } catch (error) {
    context.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});
const float32Vector = base64.transform((text, context) => {
  try {
    return decodeFloat32Vector(text);
  } catch (error) {
    context.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});
const finiteFloat32Vector = float32Vector.refine(
  (v) => v.every(Number.isFinite),
  "a vector with NaN or infinite values",
);

const addressed = { session: z.string().min(1).max(64), round };

const secaggClientSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("advertise-keys"),
    ...addressed,
    client: id,
    encryptionKey: bytes,
    maskingKey: bytes,
  }),
  z.object({
    kind: z.literal("share-keys"),
    ...addressed,
    client: id,
    selfMaskCommitment: bytes,
    shares: z.array(z.object({ to: id, ciphertext: bytes })).max(255),
  }),
  z.object({ kind: z.literal("masked-input"), ...addressed, client: id, vector: uint32Vector }),
  z.object({
    kind: z.literal("unmask-shares"),
    ...addressed,
    client: id,
    selfMaskShares: z.array(z.object({ of: id, share: bytes })).max(255),
    keyShares: z.array(z.object({ of: id, share: bytes })).max(255),
  }),
]);

const graphSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("complete") }),
  z.object({ kind: z.literal("harary"), degree: z.number().int().min(2) }),
]);

const setupSchema = z.object({
  kind: z.literal("setup"),
  ...addressed,
  participants: z.array(id).min(2),
  graph: graphSchema,
  graphSeed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  threshold: z.number().int().min(2),
  vectorLength: z.number().int().min(1),
  minimumInputs: z.number().int().min(1),
});

const secaggServerSchema = z.discriminatedUnion("kind", [
  setupSchema,
  z.object({
    kind: z.literal("keys"),
    ...addressed,
    keys: z.array(z.object({ client: id, encryptionKey: bytes, maskingKey: bytes })).max(255),
  }),
  z.object({
    kind: z.literal("shares"),
    ...addressed,
    shares: z.array(z.object({ from: id, ciphertext: bytes })).max(255),
  }),
  z.object({ kind: z.literal("unmask"), ...addressed, survivors: z.array(id), dropped: z.array(id) }),
]);

export const clientToServerSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("hello"),
    protocol: z.literal(PROTOCOL),
    token: z.string().max(128).optional(),
  }),
  z.object({
    type: z.literal("update"),
    round,
    update: finiteFloat32Vector,
    examples: z.number().int().min(1),
    loss: z.number().nonnegative(),
  }),
  z.object({ type: z.literal("secagg"), round, message: secaggClientSchema }),
  z.object({ type: z.literal("failed"), round, reason: z.string().max(500) }),
]);

export const serverToClientSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("welcome"), client: id, token: z.string(), task: taskSpecSchema }),
  z.object({
    type: z.literal("train"),
    round,
    weights: finiteFloat32Vector,
    /** Under secure aggregation: the fixed-point encoding and the round's setup. */
    secure: z
      .object({ bound: z.number().positive(), scale: z.number().positive(), setup: setupSchema })
      .optional(),
  }),
  z.object({ type: z.literal("secagg"), round, message: secaggServerSchema }),
  z.object({
    type: z.literal("round-end"),
    round,
    status: z.enum(["complete", "aborted", "dropped"]),
    reason: z.string().optional(),
  }),
  z.object({ type: z.literal("done"), rounds: z.number().int() }),
  z.object({ type: z.literal("refused"), reason: z.string() }),
]);

export type ClientToServer = z.infer<typeof clientToServerSchema>;
export type ServerToClient = z.infer<typeof serverToClientSchema>;

/** Parses a text frame; the error names what is wrong in one line. */
export function parseFrame<T>(
  schema: z.ZodType<T>,
  text: string,
): { ok: true; value: T } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    reason: `${issue.message}${issue.path.length > 0 ? ` at ${issue.path.join(".")}` : ""}`,
  };
}

// ---- encoding of the secure-aggregation messages -------------------------------------------

export function encodeSecAggClientMessage(message: ClientMessage): unknown {
  switch (message.kind) {
    case "advertise-keys":
      return {
        ...message,
        encryptionKey: bytesToBase64(message.encryptionKey),
        maskingKey: bytesToBase64(message.maskingKey),
      };
    case "share-keys":
      return {
        ...message,
        selfMaskCommitment: bytesToBase64(message.selfMaskCommitment),
        shares: message.shares.map((s) => ({ to: s.to, ciphertext: bytesToBase64(s.ciphertext) })),
      };
    case "masked-input":
      return { ...message, vector: encodeUint32Vector(message.vector) };
    case "unmask-shares":
      return {
        ...message,
        selfMaskShares: message.selfMaskShares.map((s) => ({ of: s.of, share: bytesToBase64(s.share) })),
        keyShares: message.keyShares.map((s) => ({ of: s.of, share: bytesToBase64(s.share) })),
      };
  }
}

export function encodeSecAggServerMessage(message: ServerMessage): unknown {
  switch (message.kind) {
    case "setup":
      return message;
    case "keys":
      return {
        ...message,
        keys: message.keys.map((k) => ({
          client: k.client,
          encryptionKey: bytesToBase64(k.encryptionKey),
          maskingKey: bytesToBase64(k.maskingKey),
        })),
      };
    case "shares":
      return {
        ...message,
        shares: message.shares.map((s) => ({ from: s.from, ciphertext: bytesToBase64(s.ciphertext) })),
      };
    case "unmask":
      return message;
  }
}

export type WireSetup = RoundSetup;
