/**
 * An architecture's identity: its canonical string (nn/architecture-string.ts; the
 * older spellings mlp:64,64 and cnn map to theirs) and a stable hash of it — the
 * first 16 hex digits of its SHA-256, the same on every machine and version that
 * writes the same canonical string.
 */
import { createHash } from "node:crypto";
import { UserError } from "../common/errors.js";
import { ARCHITECTURE_HELP, architectureOfSpec, formatArchitecture } from "../nn/architecture-string.js";

/**
 * An architecture's canonical string and its stable hash (what {@link identify} returns).
 *
 * @example
 * ```ts
 * import { type ArchitectureIdentity, identify } from "equipoise/nas";
 * const id: ArchitectureIdentity = identify("mlp:64,64");
 * id.canonical; // "mlp:width=64,64:act=relu:norm=none:dropout=0:skip=none"
 * id.hash; // "d4b394bbd5c136ea": the first 16 hex digits of the canonical string's SHA-256
 * ```
 */
export interface ArchitectureIdentity {
  canonical: string;
  hash: string;
}

/**
 * The canonical string of an MLP or CNN spec; a UserError for anything else.
 *
 * @example
 * ```ts
 * import { canonicalArchitecture } from "equipoise/nas";
 * canonicalArchitecture("mlp:64,64"); // "mlp:width=64,64:act=relu:norm=none:dropout=0:skip=none"
 * ```
 */
export function canonicalArchitecture(spec: string): string {
  const architecture = architectureOfSpec(spec.trim());
  if (!architecture) {
    throw new UserError(`'${spec}' is not an architecture; write ${ARCHITECTURE_HELP} (or mlp:64,64, cnn)`);
  }
  return formatArchitecture(architecture);
}

/**
 * The first 16 hex digits of the SHA-256 of a canonical architecture string: the same on every machine.
 *
 * @example
 * ```ts
 * import { architectureHash, canonicalArchitecture } from "equipoise/nas";
 * architectureHash(canonicalArchitecture("mlp:64,64")); // "d4b394bbd5c136ea"
 * ```
 */
export function architectureHash(canonical: string): string {
  return createHash("sha256").update(canonical, "utf8").digest("hex").slice(0, 16);
}

/**
 * An architecture's canonical string and its hash; a UserError for a spec that is not an architecture.
 *
 * @example
 * ```ts
 * import { identify } from "equipoise/nas";
 * identify("mlp:64,64"); // { canonical: "mlp:width=64,64:act=relu:…", hash: "d4b394bbd5c136ea" }
 * ```
 */
export function identify(spec: string): ArchitectureIdentity {
  const canonical = canonicalArchitecture(spec);
  return { canonical, hash: architectureHash(canonical) };
}
