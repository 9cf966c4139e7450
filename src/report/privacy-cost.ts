/**
 * The study report's "Cost of privacy by group" section (issue 13, item 1): for every
 * private Pareto trial, each group's test accuracy, TPR, FPR and selection rate against
 * its matched model (the same recipe and seed trained without DP; explore/trial-interplay.ts),
 * and the disparity of the cost (largest group's accuracy cost minus the smallest's).
 * Data first (plain JSON, kept in ReportData), then its HTML.
 */

import type { StudySummary } from "../explore/summary.js";
import { PRIVACY_COST_NOT_COVERED } from "../interplay/explorer-levers.js";
import { escapeHtml, formatEpsilon, formatRate } from "./format.js";

/**
 * One group's accuracy, TPR, FPR and selection rate under a private trial and its matched model, and the changes.
 *
 * @example
 * ```ts
 * import type { PrivacyCostGroupRow, PrivacyCostSection } from "equipoise/report";
 * declare const section: PrivacyCostSection; // reportDataOf(summary, context).privacyCost
 * const rows: PrivacyCostGroupRow[] = section.trials[0]?.groups ?? [];
 * for (const row of rows) console.log(row.group, row.privateAccuracy, row.matchedAccuracy, row.accuracyCost); // cost = matched − private
 * ```
 */
export interface PrivacyCostGroupRow {
  group: string;
  count: number;
  privateAccuracy: number;
  matchedAccuracy: number;
  /** matched − private accuracy. */
  accuracyCost: number;
  /** private − matched. */
  tprChange: number;
  fprChange: number;
  selectionRateChange: number;
}

/**
 * One private trial's cost of privacy by group against its matched model.
 *
 * @example
 * ```ts
 * import type { PrivacyCostSection, PrivacyCostTrialRow } from "equipoise/report";
 * declare const section: PrivacyCostSection; // reportDataOf(summary, context).privacyCost
 * const trials: PrivacyCostTrialRow[] = section.trials;
 * for (const trial of trials) console.log(`trial ${trial.trial}, ε = ${trial.epsilon}: disparity ${trial.disparity}`);
 * ```
 */
export interface PrivacyCostTrialRow {
  trial: number;
  epsilon: number;
  /** Largest group's accuracy cost minus the smallest's. */
  disparity: number;
  groups: PrivacyCostGroupRow[];
}

/**
 * The report's cost-of-privacy section: every private Pareto trial's cost by group (not covered by ε).
 *
 * @example
 * ```ts
 * import { summariseStudy } from "equipoise/explore";
 * import { Study } from "equipoise/search";
 * import { type PrivacyCostSection, reportContextOf, reportDataOf } from "equipoise/report";
 * const study = await Study.openReadOnly("adult-study.db");
 * const summary = summariseStudy(await study.snapshot(), study.location);
 * const section: PrivacyCostSection | undefined = reportDataOf(summary, reportContextOf(study, summary)).privacyCost; // undefined: no private trial on the front
 * section?.attribute; // the sensitive attribute whose groups are compared, on the test split
 * section?.unmeasured; // private Pareto trials without a stored cost
 * ```
 */
export interface PrivacyCostSection {
  attribute: string;
  split: "test";
  trials: PrivacyCostTrialRow[];
  /** Private Pareto trials without a stored cost (a study made with --skip-privacy-cost, or before). */
  unmeasured: number[];
  note: string;
}

/** Stored JSON turns NaN into null: read it back as NaN. */
function rate(value: unknown): number {
  return typeof value === "number" ? value : Number.NaN;
}

/** The section's data, or undefined when the front has no private trial. */
export function privacyCostSectionOf(summary: StudySummary): PrivacyCostSection | undefined {
  const privatePareto = summary.pareto
    .map((i) => summary.decoded[i])
    .filter((trial) => Number.isFinite(trial.test.epsilon));
  if (privatePareto.length === 0) return undefined;
  const trials: PrivacyCostTrialRow[] = [];
  const unmeasured: number[] = [];
  for (const trial of privatePareto) {
    const cost = trial.privacyCost?.test;
    if (!cost) {
      unmeasured.push(trial.record.number);
      continue;
    }
    trials.push({
      trial: trial.record.number,
      epsilon: trial.test.epsilon,
      disparity: rate(cost.accuracyCostDisparity),
      groups: cost.groups.map((group) => ({
        group: group.group,
        count: group.count,
        privateAccuracy: rate(group.private.accuracy),
        matchedAccuracy: rate(group.matched.accuracy),
        accuracyCost: rate(group.accuracyCost),
        tprChange: rate(group.change.tpr),
        fprChange: rate(group.change.fpr),
        selectionRateChange: rate(group.change.selectionRate),
      })),
    });
  }
  return {
    attribute: summary.metadata.primarySensitive,
    split: "test",
    trials,
    unmeasured,
    note: PRIVACY_COST_NOT_COVERED,
  };
}

function signed(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return `${value > 0 ? "+" : ""}${value.toFixed(4)}`;
}

/** The section's HTML; empty when there is nothing to show. */
export function privacyCostHtml(section: PrivacyCostSection | undefined): string {
  if (!section) return "";
  const head = [
    "trial",
    "ε",
    "group",
    "test rows",
    "accuracy (private)",
    "accuracy (matched)",
    "accuracy cost",
    "TPR change",
    "FPR change",
    "selection change",
    "cost disparity",
  ]
    .map((name) => `<th scope="col">${name}</th>`)
    .join("");
  const rows = section.trials.flatMap((trial) =>
    trial.groups.map(
      (group, g) =>
        `<tr data-trial="${trial.trial}">${g === 0 ? `<td rowspan="${trial.groups.length}">${trial.trial}</td><td rowspan="${trial.groups.length}">${formatEpsilon(trial.epsilon)}</td>` : ""}` +
        `<td class="text">${escapeHtml(group.group)}</td><td>${group.count}</td>` +
        `<td>${formatRate(group.privateAccuracy)}</td><td>${formatRate(group.matchedAccuracy)}</td>` +
        `<td>${signed(group.accuracyCost)}</td><td>${signed(group.tprChange)}</td><td>${signed(group.fprChange)}</td><td>${signed(group.selectionRateChange)}</td>` +
        `${g === 0 ? `<td rowspan="${trial.groups.length}">${formatRate(trial.disparity)}</td>` : ""}</tr>`,
    ),
  );
  const unmeasured =
    section.unmeasured.length > 0
      ? `<p class="muted">No cost was stored for private Pareto trial${section.unmeasured.length === 1 ? "" : "s"} ${section.unmeasured.join(", ")} (made with --skip-privacy-cost).</p>`
      : "";
  return `<section id="privacy-cost" aria-labelledby="privacy-cost-heading">
<h2 id="privacy-cost-heading">Cost of privacy by group</h2>
<p class="hint">Each private Pareto trial against its matched model (same recipe and seed, trained without DP), by '${escapeHtml(section.attribute)}' on the test split. Accuracy cost = matched − private; changes = private − matched; cost disparity = largest group cost − smallest. ${escapeHtml(section.note)}.</p>
${rows.length > 0 ? `<div class="table-scroll"><table class="data" id="privacy-cost-table"><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table></div>` : ""}
${unmeasured}
</section>`;
}
