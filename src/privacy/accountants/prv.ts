/**
 * PRV accountant (Gopi, Lee & Wutschitz 2021), as Opacus's `prv.py` but over both
 * neighbouring directions: ε is an upper bound within epsError. The work is bounded
 * (analysis/prv.ts): when the grid must be coarsened the result says so, and when PRV
 * cannot be computed within the bound — or its coarsened upper bound is worse than RDP's —
 * the RDP bound is reported instead, with `accountant: "rdp"` and a warning.
 */
import {
  DEFAULT_PRV_MAX_GRID_SIZE,
  type GaussianStepGroup,
  PrvGridTooLarge,
  type PrvOptions,
  prvEpsilon,
} from "../analysis/prv.js";
import { rdpGridEdgeWarning, rdpToEpsilon } from "../analysis/rdp.js";
import {
  type Accountant,
  type AccountantJSON,
  checkDelta,
  type PrivacySpent,
  recordSteps,
} from "./accountant.js";
import { RdpAccountant } from "./rdp.js";

/**
 * The PRV accountant: ε from the numerically composed privacy-loss distribution, with a stated
 * error; `epsilon(δ)` is the upper end. See the module comment for its fallback to RDP.
 *
 * @example
 * ```ts
 * import { PrvAccountant } from "equipoise/privacy/accounting";
 * const prv = new PrvAccountant();
 * prv.step(0.01, 1.0, 1000);
 * const { epsilon, lowerBound } = prv.spent(1e-5); // ≈ 1.838 (upper end) and ≈ 1.818
 * ```
 */
export class PrvAccountant implements Accountant {
  readonly kind = "prv" as const;
  private readonly groups: GaussianStepGroup[] = [];

  constructor(readonly options: PrvOptions = {}) {}

  /** The steps taken so far, identical consecutive steps merged. */
  get history(): readonly GaussianStepGroup[] {
    return this.groups;
  }

  step(sampleRate: number, noise: number, count = 1): void {
    recordSteps(this.groups, sampleRate, noise, count);
  }

  /** The RDP bound on the same history, for the regimes PRV cannot bound within its grid. */
  private rdpSpent(delta: number, reason: string): PrivacySpent {
    const rdp = new RdpAccountant();
    for (const group of this.groups) rdp.step(group.sampleRate, group.noise, group.steps);
    const result = rdpToEpsilon(rdp.orders, rdp.rdp(), delta);
    const edge = rdpGridEdgeWarning(result, rdp.orders, delta, false);
    return {
      epsilon: Math.max(0, result.epsilon),
      delta,
      accountant: "rdp",
      order: result.order,
      warnings: edge ? [reason, edge] : [reason],
    };
  }

  spent(delta: number): PrivacySpent {
    checkDelta(delta);
    let result: ReturnType<typeof prvEpsilon>;
    try {
      result = prvEpsilon(this.groups, delta, this.options);
    } catch (error) {
      if (!(error instanceof PrvGridTooLarge)) throw error;
      return this.rdpSpent(delta, `${error.message}; the RDP bound is reported instead`);
    }
    const spent: PrivacySpent = {
      epsilon: result.upperBound,
      delta,
      accountant: "prv",
      estimate: result.estimate,
      epsilonError: result.epsError,
      lowerBound: result.lowerBound,
    };
    if (result.requestedEpsError !== undefined) {
      const maxGridSize = this.options.maxGridSize ?? DEFAULT_PRV_MAX_GRID_SIZE;
      const coarsened =
        `the PRV epsilon error was raised from ${result.requestedEpsError} to ${result.epsError.toPrecision(3)} ` +
        `to keep the grid within ${maxGridSize} points`;
      const rdp = this.rdpSpent(
        delta,
        `${coarsened}, and its upper bound ${result.upperBound.toPrecision(6)} exceeds RDP's: the RDP bound is reported instead`,
      );
      if (rdp.epsilon < result.upperBound) return rdp;
      spent.warnings = [coarsened];
    }
    return spent;
  }

  epsilon(delta: number): number {
    return this.spent(delta).epsilon;
  }

  /** The history as JSON. */
  toJSON(): AccountantJSON {
    return { kind: "prv", history: this.groups.map((g) => ({ ...g })) };
  }
}
