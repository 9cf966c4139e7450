/**
 * One interface for every privacy accountant (Opacus's IAccountant): record the
 * steps of the sampled Gaussian mechanism as they happen, ask for ε at any δ.
 * Heterogeneous composition is a history of (sampleRate, noise, steps) groups;
 * consecutive identical steps are merged into one group.
 */
import type { GaussianStepGroup } from "../analysis/prv.js";

/**
 * "rdp" (Rényi DP, Mironov 2017) or "prv" (privacy-loss random variables, Gopi et al. 2021).
 *
 * @example
 * ```ts
 * import { type AccountantKind, createAccountant } from "equipoise/privacy/accounting";
 * const kind: AccountantKind = "prv"; // or "rdp"
 * const accountant = createAccountant(kind);
 * accountant.step(0.01, 1.0, 1000); // sample rate q, noise multiplier σ, steps
 * accountant.epsilon(1e-5); // the PRV upper bound, ≈ 1.84 (RDP: ≈ 2.10)
 * ```
 */
export type AccountantKind = "rdp" | "prv";

/**
 * ε spent at δ, with the accountant's details and the caveats a user must see beside it.
 *
 * @example
 * ```ts
 * import { createAccountant, type PrivacySpent } from "equipoise/privacy/accounting";
 * const accountant = createAccountant("rdp");
 * accountant.step(0.01, 1.0, 1000);
 * const spent: PrivacySpent = accountant.spent(1e-5);
 * console.log(spent.epsilon, spent.order); // ≈ 2.1014 at the RDP order 7.8
 * for (const warning of spent.warnings ?? []) console.warn(warning); // none here
 * ```
 */
export interface PrivacySpent {
  epsilon: number;
  delta: number;
  accountant: AccountantKind;
  /** RDP: the order at which the bound is tightest. */
  order?: number;
  /** PRV: the estimate ε_grid(δ) and the stated error (epsilon is the upper bound). */
  estimate?: number;
  epsilonError?: number;
  lowerBound?: number;
  /** Caveats a user must see with the number (optimum on the edge of the RDP grid, a fallback). */
  warnings?: string[];
}

/**
 * An accountant's history as JSON (what a model file stores); `accountantFromJSON` rebuilds it.
 *
 * @example
 * ```ts
 * import { type AccountantJSON, accountantFromJSON, createAccountant } from "equipoise/privacy/accounting";
 * const accountant = createAccountant("rdp");
 * accountant.step(0.01, 1.0, 1000);
 * const json: AccountantJSON = accountant.toJSON(); // { kind: "rdp", history: [{ sampleRate: 0.01, noise: 1, steps: 1000 }] }
 * const again = accountantFromJSON(json); // same history, same ε
 * ```
 */
export interface AccountantJSON {
  kind: AccountantKind;
  history: GaussianStepGroup[];
}

/**
 * Counts the steps of the sampled Gaussian mechanism (DP-SGD's) and answers ε at any δ, as Opacus's
 * accountants do. Make one with {@link createAccountant}.
 *
 * @example
 * ```ts
 * import { createAccountant } from "equipoise/privacy/accounting";
 * const accountant = createAccountant("rdp");
 * accountant.step(0.01, 1.0, 1000); // sample rate q, noise multiplier σ, steps
 * accountant.epsilon(1e-5); // 2.1014 (Opacus 1.4: 2.1014)
 * ```
 */
export interface Accountant {
  readonly kind: AccountantKind;
  readonly history: readonly GaussianStepGroup[];
  /** Records `count` (default 1) steps with Poisson sample rate q and noise multiplier σ. */
  step(sampleRate: number, noise: number, count?: number): void;
  /** ε at δ (for PRV, the upper bound). */
  epsilon(delta: number): number;
  /** ε with the accountant's details (optimal order, error bounds). */
  spent(delta: number): PrivacySpent;
  /** The history as JSON. */
  toJSON(): AccountantJSON;
}

/**
 * Validates a step and appends it to `history`, merging with the last group when identical.
 *
 * @example
 * ```ts
 * import { type GaussianStepGroup, recordSteps } from "equipoise/privacy/accounting";
 * const history: GaussianStepGroup[] = [];
 * recordSteps(history, 0.01, 1.1, 100);
 * recordSteps(history, 0.01, 1.1, 50); // merged: [{ sampleRate: 0.01, noise: 1.1, steps: 150 }]
 * ```
 */
export function recordSteps(
  history: GaussianStepGroup[],
  sampleRate: number,
  noise: number,
  count: number,
): void {
  if (!(sampleRate >= 0 && sampleRate <= 1))
    throw new RangeError(`sample rate must be in [0, 1], got ${sampleRate}`);
  if (!(noise >= 0)) throw new RangeError(`noise multiplier must be >= 0, got ${noise}`);
  if (!(Number.isInteger(count) && count >= 0))
    throw new RangeError(`step count must be a whole number >= 0, got ${count}`);
  if (count === 0) return;
  const last = history[history.length - 1];
  if (last && last.sampleRate === sampleRate && last.noise === noise) last.steps += count;
  else history.push({ sampleRate, noise, steps: count });
}

/**
 * Throws a RangeError unless 0 < δ < 1.
 *
 * @example
 * ```ts
 * import { checkDelta } from "equipoise/privacy/accounting";
 * checkDelta(1e-5); // fine
 * checkDelta(0); // throws RangeError: delta must be in (0, 1), got 0
 * ```
 */
export function checkDelta(delta: number): void {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${delta}`);
}
