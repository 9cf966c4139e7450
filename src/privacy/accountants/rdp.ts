/**
 * RDP accountant (Mironov 2017 + Balle et al. 2020 conversion), as Opacus's `rdp.py`, on a
 * wider order grid (analysis/rdp.ts). ε is an upper bound; when the tightest order is on the
 * edge of the grid the result carries a warning.
 */
import type { GaussianStepGroup } from "../analysis/prv.js";
import { composedRdp, DEFAULT_RDP_ORDERS, rdpGridEdgeWarning, rdpToEpsilon } from "../analysis/rdp.js";
import {
  type Accountant,
  type AccountantJSON,
  checkDelta,
  type PrivacySpent,
  recordSteps,
} from "./accountant.js";

/**
 * The RDP accountant: Rényi DP of the sampled Gaussian at a grid of orders, composed additively and
 * converted to (ε, δ) by Balle et al. (2020); equal to Opacus's to 1e-13 on the reference table.
 *
 * @example
 * ```ts
 * import { RdpAccountant } from "equipoise/privacy/accounting";
 * const rdp = new RdpAccountant();
 * rdp.step(0.01, 1.0, 1000);
 * rdp.epsilon(1e-5); // ≈ 2.1014
 * ```
 */
export class RdpAccountant implements Accountant {
  readonly kind = "rdp" as const;
  private readonly groups: GaussianStepGroup[] = [];

  constructor(readonly orders: readonly number[] = DEFAULT_RDP_ORDERS) {
    if (orders.length === 0 || orders.some((a) => !(a > 1)))
      throw new RangeError("RDP orders must all be > 1");
  }

  /** The steps taken so far, identical consecutive steps merged. */
  get history(): readonly GaussianStepGroup[] {
    return this.groups;
  }

  step(sampleRate: number, noise: number, count = 1): void {
    recordSteps(this.groups, sampleRate, noise, count);
  }

  /** Total RDP of the history, one value per order. */
  rdp(): Float64Array {
    const total = new Float64Array(this.orders.length);
    for (const group of this.groups) {
      const values = composedRdp(group.sampleRate, group.noise, group.steps, this.orders);
      for (let k = 0; k < total.length; k++) total[k] += values[k];
    }
    return total;
  }

  spent(delta: number): PrivacySpent {
    checkDelta(delta);
    if (this.groups.length === 0) return { epsilon: 0, delta, accountant: "rdp" };
    const result = rdpToEpsilon(this.orders, this.rdp(), delta);
    const spent: PrivacySpent = {
      epsilon: Math.max(0, result.epsilon),
      delta,
      accountant: "rdp",
      order: result.order,
    };
    const warning = rdpGridEdgeWarning(result, this.orders, delta);
    if (warning) spent.warnings = [warning];
    return spent;
  }

  epsilon(delta: number): number {
    return this.spent(delta).epsilon;
  }

  /** The history as JSON. */
  toJSON(): AccountantJSON {
    return { kind: "rdp", history: this.groups.map((g) => ({ ...g })) };
  }
}
