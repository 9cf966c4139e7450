/**
 * Does architecture alone reduce the bias, or does a debiasing method? Issue 16's question,
 * answered in the report of a search: the selected architecture (chosen on validation) against
 * the reference on the TEST split, beside the reference trained with each debiasing method.
 * The bar is a gain of 10 points of bias-conflicting accuracy (worst-group accuracy on
 * benchmarks without aligned/conflicting examples) at no more parameters than the reference;
 * the selection already keeps to the reference's size.
 */
import type { ArchitectureRun, NasResult, NasTrialSummary } from "./schema.js";

/** The gain, in accuracy, that counts as a real improvement (issue 16's target: 10 points). */
export const MEANINGFUL_GAIN = 0.1;

type Comparison = NonNullable<NasResult["debiasing"]>;

/** A gain in points at the resolution the verdict prints, so that "+10.0" always counts as 10. */
const tenths = (gain: number) => Math.round(1000 * gain) / 10;
const points = (gain: number) => `${tenths(gain) >= 0 ? "+" : "−"}${Math.abs(tenths(gain)).toFixed(1)}`;
const meaningful = (gain: number) => tenths(gain) >= 100 * MEANINGFUL_GAIN;

/**
 * The comparison and its verdict in words. `debiased` are the reference architecture's runs
 * with each debiasing method (same seed and settings), each with its test characterisation.
 */
export function compareWithDebiasing(
  kind: "biased" | "fairness",
  reference: ArchitectureRun,
  selected: NasTrialSummary | undefined,
  debiased: readonly ArchitectureRun[],
): Comparison {
  const metric = kind === "biased" ? "conflictingAccuracy" : "worstGroupAccuracy";
  const label = kind === "biased" ? "bias-conflicting accuracy" : "worst-group accuracy";
  const measured = (test: ArchitectureRun["test"]): number => {
    const value = test?.[metric];
    if (value === undefined) throw new RangeError(`no test ${label} to compare`);
    return value;
  };
  const base = measured(reference.test);
  const methods = debiased.map((run) => ({
    method: String(run.debias.method),
    value: measured(run.test),
    seconds: run.seconds,
  }));
  const chosen =
    selected?.test === undefined
      ? null
      : { number: selected.number, parameters: selected.cost.parameters, value: measured(selected.test) };
  const sentences: string[] = [];
  if (chosen) {
    const gain = chosen.value - base;
    sentences.push(
      `Architecture alone: the selected architecture (trial ${chosen.number}, ${chosen.parameters} parameters, at most the reference's ${reference.cost.parameters}) changes the test ${label} by ${points(gain)} points against the reference (${chosen.value.toFixed(3)} vs ${base.toFixed(3)}), so it ${meaningful(gain) ? "does" : "does not"} gain ${100 * MEANINGFUL_GAIN} points.`,
    );
  } else {
    sentences.push(
      `Architecture alone: no architecture on the front is as small as the reference, so none was compared.`,
    );
  }
  if (methods.length > 0) {
    const ranked = [...methods].sort((a, b) => b.value - a.value);
    const enough = ranked.filter((m) => meaningful(m.value - base)).map((m) => m.method);
    sentences.push(
      `Debiasing the reference architecture: ${ranked.map((m) => `${m.method} ${points(m.value - base)}`).join(", ")} points; ${
        enough.length > 0
          ? `${enough.join(" and ")} ${enough.length === 1 ? "gains" : "gain"} ${100 * MEANINGFUL_GAIN} points or more.`
          : `none gains ${100 * MEANINGFUL_GAIN} points (the best is ${ranked[0].method}).`
      }`,
    );
  }
  sentences.push("One seed each, on the test split; the search never read it.");
  return { metric, reference: base, selected: chosen, methods, verdict: sentences.join(" ") };
}
