/**
 * What the attacks read: φ (signal.ts) of every candidate under the target model and
 * under each shadow (reference) model, which candidates each shadow trained on, and
 * optionally φ of population rows that no model trained on (RMIA's z-samples).
 */
import { UserError } from "../../common/errors.js";

/**
 * φ of every candidate under every shadow model, and which candidates each shadow trained on.
 *
 * @example
 * ```ts
 * import { liraScores, type ShadowSignals } from "equipoise/audit/light";
 * const shadows: ShadowSignals = {
 *   phi: [Float64Array.of(2.1, -0.3, 1.5), Float64Array.of(0.4, 1.9, -0.2)], // φ of 3 candidates under 2 shadows
 *   inTraining: [Uint8Array.of(1, 0, 1), Uint8Array.of(0, 1, 0)], // which candidates each shadow trained on
 * };
 * const scores = liraScores(Float64Array.of(1.8, 0.1, 1.2), shadows, { online: true }); // one score per candidate
 * ```
 */
export interface ShadowSignals {
  /** φ of every candidate under shadow k: phi[k][i]. */
  phi: Float64Array[];
  /** 1 when shadow k trained on candidate i: inTraining[k][i]. */
  inTraining: Uint8Array[];
}

/**
 * φ of population rows (no model trained on them) under the target and each shadow: RMIA's reference.
 *
 * @example
 * ```ts
 * import { type PopulationSignals, rmiaScores, type ShadowSignals } from "equipoise/audit/light";
 * declare const targetPhi: Float64Array; declare const shadows: ShadowSignals; // 2 shadows, see ShadowSignals
 * const population: PopulationSignals = {
 *   target: Float64Array.of(0.3, -1.2, 0.8, 1.1), // φ of 4 rows no model trained on, under the target
 *   shadows: [Float64Array.of(0.5, -0.9, 0.7, 1.0), Float64Array.of(0.2, -1.4, 0.9, 1.3)], // and under each shadow
 * };
 * const { scores } = rmiaScores(targetPhi, shadows, population, { online: true });
 * ```
 */
export interface PopulationSignals {
  /** φ of each population row under the target. */
  target: Float64Array;
  /** φ of each population row under shadow k (no shadow trained on them). */
  shadows: Float64Array[];
}

/**
 * Shadows needed by an attack that fits distributions over them.
 *
 * @example
 * ```ts
 * import { MIN_SHADOWS } from "equipoise/audit/light";
 * MIN_SHADOWS; // 2: LiRA and RMIA throw a UserError with fewer shadow models
 * const shadows = 8;
 * if (shadows < MIN_SHADOWS) console.error("attack only with the loss attack");
 * ```
 */
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
