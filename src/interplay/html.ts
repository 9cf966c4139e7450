/**
 * The interplay study as a self-contained HTML fragment (no script, no external
 * resource) for `equipoise report`: per ε and method, the per-group cost of privacy with
 * intervals, the disparity, the last epoch's clipping statistics and the bound beside
 * the measured change, and what is not covered by ε.
 */
import type { InterplayDocument } from "./document.js";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function number(value: number, digits = 3): string {
  return Number.isFinite(value) ? value.toFixed(digits) : escapeHtml(String(value));
}

function interval(i: { estimate: number; low: number; high: number }): string {
  return `${number(i.estimate)} <small>[${number(i.low)}, ${number(i.high)}]</small>`;
}

/**
 * A study's document as a self-contained HTML fragment.
 *
 * @example
 * ```ts
 * import { type InterplayStudy, interplayDocument, renderInterplayHtml } from "equipoise/interplay";
 * declare const study: InterplayStudy; // the result of runInterplayStudy
 * const fragment = renderInterplayHtml(interplayDocument(study)); // no script, no external resource
 * ```
 */
export function renderInterplayHtml(document: InterplayDocument): string {
  const { study } = document;
  const parts: string[] = [
    `<section class="equipoise-interplay">`,
    `<h2>Fairness under privacy: ${escapeHtml(study.data)}, groups of ${escapeHtml(study.attribute)}</h2>`,
    `<p>${escapeHtml(study.model)}; ${study.seeds.length} seeds; 95 % bootstrap intervals over seeds. Matched (non-private) model: accuracy ${interval(study.matched.accuracy)}, DP gap ${interval(study.matched.dpDifference)}.</p>`,
  ];
  for (const cell of study.cells) {
    const last = cell.clipping.at(-1);
    parts.push(
      `<h3>${escapeHtml(cell.method)} at ε = ${number(cell.epsilon, 2)} <small>(noise multiplier ${number(cell.noiseMultiplier)})</small></h3>`,
      "<table><thead><tr><th>group</th><th>test rows</th><th>accuracy cost</th><th>Δ TPR</th><th>Δ FPR</th><th>Δ selection rate</th><th>clipped (last epoch)</th><th>mean norm</th><th>SNR</th></tr></thead><tbody>",
    );
    cell.cost.groups.forEach((group, g) => {
      const clip = last?.groups[g];
      parts.push(
        `<tr><td>${escapeHtml(group.group)}</td><td>${group.count}</td><td>${interval(group.accuracyCost)}</td><td>${interval(group.rates.tpr.change)}</td><td>${interval(group.rates.fpr.change)}</td><td>${interval(group.rates.selectionRate.change)}</td><td>${clip ? `${number(100 * clip.clippedFraction, 1)} %` : ""}</td><td>${clip ? number(clip.meanNorm) : ""}</td><td>${clip ? number(clip.signalToNoise) : ""}</td></tr>`,
      );
    });
    parts.push(
      "</tbody></table>",
      `<p>Disparity of the cost (largest − smallest group): ${interval(cell.cost.accuracyCostDisparity)}. DP gap ${interval(cell.cost.gaps.dp.private)} (matched ${interval(cell.cost.gaps.dp.matched)}).</p>`,
      "<ul>",
      ...cell.bound.measures.map(
        (m) =>
          `<li>Bound (Mangold et al. 2023) on |Δ ${escapeHtml(m.measure)} gap|: ${interval(m.bound)} vs measured ${interval(m.measuredChange)}${m.vacuousSeeds > 0 ? ` — vacuous for ${m.vacuousSeeds} of ${study.seeds.length} seeds` : ""}</li>`,
      ),
      ...cell.bound.notApplicable.map((reason) => `<li>Bound not applicable: ${escapeHtml(reason)}</li>`),
      "</ul>",
    );
  }
  parts.push(
    "<p><strong>Not covered by ε:</strong></p><ul>",
    ...study.notCoveredByEpsilon.map((line) => `<li>${escapeHtml(line)}</li>`),
    "</ul>",
    ...study.warnings.map((w) => `<p class="warning">${escapeHtml(w)}</p>`),
    "</section>",
  );
  return parts.join("\n");
}
