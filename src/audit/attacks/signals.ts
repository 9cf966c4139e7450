/**
 * What the attacks read: φ (signal.ts) of every candidate under the target model and
 * under each shadow (reference) model, which candidates each shadow trained on, and
 * optionally φ of population rows that no model trained on (RMIA's z-samples).
 */
import { UserError } from "../../common/errors.js";

/** φ of every candidate under every shadow model, and which candidates each shadow trained on. */
export interface ShadowSignals {
  /** φ of every candidate under shadow k: phi[k][i]. */
  phi: Float64Array[];
  /** 1 when shadow k trained on candidate i: inTraining[k][i]. */
  inTraining: Uint8Array[];
}

/** φ of population rows (no model trained on them) under the target and each shadow: RMIA's reference. */
export interface PopulationSignals {
  /** φ of each population row under the target. */
  target: Float64Array;
  /** φ of each population row under shadow k (no shadow trained on them). */
  shadows: Float64Array[];
}

/** Shadows needed by an attack that fits distributions over them. */
export const MIN_SHADOWS = 2;

export function checkShadows(attack: string, shadows: ShadowSignals, candidates: number): void {
  const k = shadows.phi.length;
  if (k < MIN_SHADOWS) {
    throw new UserError(
      `the ${attack} attack needs at least ${MIN_SHADOWS} shadow models, got ${k} (--shadows)`,
    );
  }
  if (shadows.inTraining.length !== k)
    throw new RangeError(`${k} shadow signals, ${shadows.inTraining.length} memberships`);
  for (let s = 0; s < k; s++) {
    if (shadows.phi[s].length !== candidates || shadows.inTraining[s].length !== candidates) {
      throw new RangeError(
        `shadow ${s}: signals for ${shadows.phi[s].length} candidates, expected ${candidates}`,
      );
    }
  }
}
