import type { PrvOptions } from "../analysis/prv.js";
import type { Accountant, AccountantJSON, AccountantKind } from "./accountant.js";
import { PrvAccountant } from "./prv.js";
import { RdpAccountant } from "./rdp.js";

export * from "./accountant.js";
export { PrvAccountant } from "./prv.js";
export { RdpAccountant } from "./rdp.js";

/**
 * The accountants {@link createAccountant} makes.
 *
 * @example
 * ```ts
 * import { ACCOUNTANT_KINDS, createAccountant } from "equipoise/privacy/accounting";
 * ACCOUNTANT_KINDS; // ["rdp", "prv"]
 * const accountants = ACCOUNTANT_KINDS.map((kind) => createAccountant(kind)); // one of each
 * ```
 */
export const ACCOUNTANT_KINDS: readonly AccountantKind[] = ["rdp", "prv"];

/**
 * A new, empty accountant of the given kind ("rdp" or "prv"; PRV's grid settings in `options.prv`).
 *
 * @example
 * ```ts
 * import { createAccountant } from "equipoise/privacy/accounting";
 * const accountant = createAccountant("rdp");
 * accountant.step(0.01, 1.0, 1000); // sample rate q, noise multiplier σ, steps
 * accountant.epsilon(1e-5); // ≈ 2.1014, as Opacus 1.4.0
 * ```
 */
export function createAccountant(kind: AccountantKind, options: { prv?: PrvOptions } = {}): Accountant {
  if (kind === "rdp") return new RdpAccountant();
  if (kind === "prv") return new PrvAccountant(options.prv);
  throw new RangeError(`unknown accountant '${kind as string}'; known: ${ACCOUNTANT_KINDS.join(", ")}`);
}

/**
 * Rebuilds an accountant from its JSON (e.g. from a saved model's metadata).
 *
 * @example
 * ```ts
 * import { type Accountant, accountantFromJSON } from "equipoise/privacy/accounting";
 * declare const accountant: Accountant; // one that has counted some steps (see createAccountant)
 * const saved = JSON.parse(JSON.stringify(accountant.toJSON()));
 * const again = accountantFromJSON(saved); // same history, same ε
 * ```
 */
export function accountantFromJSON(json: AccountantJSON): Accountant {
  const accountant = createAccountant(json.kind);
  for (const group of json.history) accountant.step(group.sampleRate, group.noise, group.steps);
  return accountant;
}
