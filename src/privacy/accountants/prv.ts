/** PRV accountant (Gopi, Lee & Wutschitz 2021), as Opacus's `prv.py`: ε is an upper bound within epsError. */
import { type GaussianStepGroup, type PrvOptions, prvEpsilon } from "../analysis/prv.js";
import {
  type Accountant,
  type AccountantJSON,
  checkDelta,
  type PrivacySpent,
  recordSteps,
} from "./accountant.js";

export class PrvAccountant implements Accountant {
  readonly kind = "prv" as const;
  private readonly groups: GaussianStepGroup[] = [];

  constructor(readonly options: PrvOptions = {}) {}

  get history(): readonly GaussianStepGroup[] {
    return this.groups;
  }

  step(sampleRate: number, noise: number, count = 1): void {
    recordSteps(this.groups, sampleRate, noise, count);
  }

  spent(delta: number): PrivacySpent {
    checkDelta(delta);
    const result = prvEpsilon(this.groups, delta, this.options);
    return {
      epsilon: result.upperBound,
      delta,
      accountant: "prv",
      estimate: result.estimate,
      epsilonError: result.epsError,
      lowerBound: result.lowerBound,
    };
  }

  epsilon(delta: number): number {
    return this.spent(delta).epsilon;
  }

  toJSON(): AccountantJSON {
    return { kind: "prv", history: this.groups.map((g) => ({ ...g })) };
  }
}
