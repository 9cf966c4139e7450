/**
 * An audit document as a self-contained HTML fragment: inline SVG and a stylesheet
 * scoped to `.eq-audit`, no scripts and no external files, so it can stand in any
 * page (the `report` command's, or its own through `renderAuditPage`). It shows the
 * accountant's ε beside the audited lower bound, the ROC curves on log–log axes,
 * every attack's figures with their intervals, per-group exposure as bars with
 * intervals, attribute inference and the canary audit.
 */
import type { AttackReport, AttributeExposure, AuditDocument, Estimate, Proportion } from "./document.js";

const COLORS = ["#1d4ed8", "#dc2626", "#059669", "#d97706", "#7c3aed"];

/**
 * The style sheet of the audit's HTML fragment.
 *
 * @example
 * ```ts
 * import { AUDIT_CSS, type AuditDocument, renderAuditFragment } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * AUDIT_CSS; // rules scoped to .eq-audit, already inlined in every fragment
 * const html = renderAuditFragment(doc); // contains `<style>${AUDIT_CSS}</style>`
 * ```
 */
export const AUDIT_CSS = `
.eq-audit { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1f2937; font-size: 15px; line-height: 1.45; }
.eq-audit h2 { font-size: 1.2rem; margin: 0 0 6px; }
.eq-audit h3 { font-size: 1rem; margin: 16px 0 6px; }
.eq-audit .muted { color: #6b7280; font-size: 0.88rem; }
.eq-audit .epsilons { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px; margin: 10px 0; }
.eq-audit .epsilons div { border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 14px; background: #fff; }
.eq-audit .epsilons dt { font-size: 0.78rem; text-transform: uppercase; letter-spacing: 0.04em; color: #6b7280; }
.eq-audit .epsilons dd { margin: 0; font-size: 1.6rem; font-weight: 600; }
.eq-audit .verdict { border-radius: 8px; padding: 8px 12px; margin: 8px 0; }
.eq-audit .verdict.ok { background: #ecfdf5; border: 1px solid #a7f3d0; }
.eq-audit .verdict.failed { background: #fef2f2; border: 2px solid #b91c1c; color: #7f1d1d; font-weight: 600; }
.eq-audit table { border-collapse: collapse; font-size: 0.88rem; margin: 6px 0 10px; }
.eq-audit th, .eq-audit td { border-bottom: 1px solid #e5e7eb; padding: 4px 10px 4px 0; text-align: left; vertical-align: top; }
.eq-audit td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.eq-audit svg { max-width: 100%; height: auto; font-family: inherit; }
.eq-audit svg text { font-size: 11px; fill: #374151; }
.eq-audit svg .grid { stroke: #e5e7eb; }
.eq-audit svg .axis { stroke: #6b7280; }
.eq-audit .charts { display: flex; flex-wrap: wrap; gap: 18px; }
`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function formatNumber(value: number, digits = 3): string {
  if (Number.isNaN(value)) return "–";
  if (value === Number.POSITIVE_INFINITY) return "∞";
  if (value === Number.NEGATIVE_INFINITY) return "−∞";
  return value.toFixed(digits);
}

function formatPercent(value: number, digits = 1): string {
  return Number.isNaN(value) ? "–" : `${(value * 100).toFixed(digits)} %`;
}

function withInterval(estimate: Estimate, format: (v: number) => string = (v) => formatNumber(v)): string {
  return `${format(estimate.value)} <span class="muted">[${format(estimate.lo)}, ${format(estimate.hi)}]</span>`;
}

function proportionCell(p: Proportion): string {
  return `${withInterval(p, (v) => formatPercent(v))} <span class="muted">(${p.trials})</span>`;
}

function fprLabel(level: number): string {
  return `${Number((level * 100).toPrecision(3))} %`;
}

// ---- charts ---------------------------------------------------------------------------

const W = 420;
const H = 320;
const M = { left: 52, right: 14, top: 14, bottom: 44 };

/** ROC curves on log–log axes from 10^floor(log10(min FPR)) to 1. */
function rocSvg(attacks: readonly AttackReport[]): string {
  const positive = attacks.flatMap((a) => a.roc.fpr.filter((v) => v > 0));
  const smallest = positive.length > 0 ? Math.min(...positive) : 1e-3;
  const low = Math.min(-1, Math.floor(Math.log10(smallest)));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (v: number) => M.left + ((Math.log10(Math.max(v, 10 ** low)) - low) / -low) * plotW;
  const y = (v: number) => M.top + (1 - (Math.log10(Math.max(v, 10 ** low)) - low) / -low) * plotH;
  const parts: string[] = [];
  for (let e = low; e <= 0; e++) {
    const v = 10 ** e;
    parts.push(
      `<line class="grid" x1="${x(v)}" x2="${x(v)}" y1="${M.top}" y2="${M.top + plotH}"/>`,
      `<line class="grid" x1="${M.left}" x2="${M.left + plotW}" y1="${y(v)}" y2="${y(v)}"/>`,
      `<text x="${x(v)}" y="${M.top + plotH + 14}" text-anchor="middle">1e${e}</text>`,
      `<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end">1e${e}</text>`,
    );
  }
  parts.push(
    `<line class="axis" stroke-dasharray="4 3" x1="${x(10 ** low)}" y1="${y(10 ** low)}" x2="${x(1)}" y2="${y(1)}"/>`,
    `<text x="${M.left + plotW / 2}" y="${H - 8}" text-anchor="middle">false positive rate</text>`,
    `<text transform="translate(12 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">true positive rate</text>`,
  );
  attacks.forEach((attack, k) => {
    const points = attack.roc.fpr
      .map((f, i) => [f, attack.roc.tpr[i]] as const)
      .filter(([f, t]) => f > 0 && t > 0)
      .map(([f, t]) => `${x(f).toFixed(1)},${y(t).toFixed(1)}`);
    if (points.length === 0) return;
    parts.push(
      `<polyline fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.6" points="${points.join(" ")}"><title>${escapeHtml(attack.label)}</title></polyline>`,
      `<rect x="${M.left + 8}" y="${M.top + 6 + k * 15}" width="10" height="3" fill="${COLORS[k % COLORS.length]}"/>`,
      `<text x="${M.left + 22}" y="${M.top + 11 + k * 15}">${escapeHtml(attack.label)} (AUC ${formatNumber(attack.auc.value)})</text>`,
    );
  });
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="ROC curves on log–log axes">${parts.join("")}</svg>`;
}

/** AUC per group with its bootstrap interval, on [0.4, max]. */
function groupBarsSvg(exposure: AttributeExposure, attackLabel: string): string {
  const groups = exposure.groups;
  const top =
    Math.max(0.7, ...groups.map((g) => (Number.isFinite(g.auc.hi) ? g.auc.hi : g.auc.value))) + 0.02;
  const bottom = 0.4;
  const barH = 22;
  const height = M.top + groups.length * (barH + 10) + 40;
  const labelW = 150;
  const plotW = W - labelW - M.right;
  const x = (v: number) => labelW + ((Math.min(Math.max(v, bottom), top) - bottom) / (top - bottom)) * plotW;
  const parts: string[] = [];
  for (let v = 0.4; v <= top + 1e-9; v += 0.1) {
    parts.push(
      `<line class="grid" x1="${x(v)}" x2="${x(v)}" y1="${M.top}" y2="${height - 30}"/>`,
      `<text x="${x(v)}" y="${height - 16}" text-anchor="middle">${v.toFixed(1)}</text>`,
    );
  }
  parts.push(
    `<line class="axis" stroke-dasharray="4 3" x1="${x(0.5)}" x2="${x(0.5)}" y1="${M.top}" y2="${height - 30}"/>`,
  );
  groups.forEach((g, k) => {
    const y0 = M.top + k * (barH + 10);
    const fill = g.small ? "#cbd5e1" : COLORS[0];
    parts.push(
      `<text x="${labelW - 6}" y="${y0 + barH / 2 + 4}" text-anchor="end">${escapeHtml(g.group)} (${g.members}+${g.nonMembers})</text>`,
      `<rect x="${x(bottom)}" y="${y0}" width="${Math.max(0, x(g.auc.value) - x(bottom))}" height="${barH}" fill="${fill}" opacity="0.75"><title>${escapeHtml(`${g.group}: AUC ${formatNumber(g.auc.value)} [${formatNumber(g.auc.lo)}, ${formatNumber(g.auc.hi)}], ${g.members} members, ${g.nonMembers} non-members`)}</title></rect>`,
    );
    if (Number.isFinite(g.auc.lo) && Number.isFinite(g.auc.hi)) {
      const mid = y0 + barH / 2;
      parts.push(
        `<line stroke="#111827" stroke-width="1.4" x1="${x(g.auc.lo)}" x2="${x(g.auc.hi)}" y1="${mid}" y2="${mid}"/>`,
        `<line stroke="#111827" x1="${x(g.auc.lo)}" x2="${x(g.auc.lo)}" y1="${mid - 5}" y2="${mid + 5}"/>`,
        `<line stroke="#111827" x1="${x(g.auc.hi)}" x2="${x(g.auc.hi)}" y1="${mid - 5}" y2="${mid + 5}"/>`,
      );
    }
  });
  parts.push(
    `<text x="${labelW + plotW / 2}" y="${height - 2}" text-anchor="middle">AUC of ${escapeHtml(attackLabel)} by ${escapeHtml(exposure.attribute)}</text>`,
  );
  return `<svg viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="attack AUC by group">${parts.join("")}</svg>`;
}

// ---- sections ----------------------------------------------------------------------------

function verdictSection(doc: AuditDocument): string {
  const v = doc.verdict;
  const accountant =
    v.accountantEpsilon === Number.POSITIVE_INFINITY
      ? '∞ <span class="muted">(not private)</span>'
      : formatNumber(v.accountantEpsilon, 3);
  return `<dl class="epsilons">
<div><dt>accountant's ε (upper bound, δ = ${formatNumber(v.delta, 6)})</dt><dd>${accountant}</dd></div>
<div><dt>audited lower bound (${Math.round(v.confidence * 100)} % confidence)</dt><dd>${formatNumber(v.lowerBound, 3)}</dd><span class="muted">${escapeHtml(v.source)}</span></div>
</dl>
<p class="verdict ${v.failed ? "failed" : "ok"}">${escapeHtml(v.message)}</p>`;
}

function attackTable(attacks: readonly AttackReport[]): string {
  const levels = attacks[0]?.tprAtFpr.map((t) => t.fpr) ?? [];
  const head = [
    "attack",
    "AUC [95 % CI]",
    ...levels.map((l) => `TPR at FPR ≤ ${fprLabel(l)}`),
    "advantage (held out)",
    "ε lower bound (held out)",
  ];
  const rows = attacks.map((a) => {
    const bound = a.epsilonLowerBound;
    return `<tr><td>${escapeHtml(a.label)}</td><td class="num">${withInterval(a.auc)}</td>${a.tprAtFpr
      .map((t) => `<td class="num">${withInterval(t, (v) => formatPercent(v, 2))}</td>`)
      .join(
        "",
      )}<td class="num">${withInterval(a.advantage)}</td><td class="num">${bound.positive ? formatNumber(bound.value) : "none"} <span class="muted">(TPR ${formatPercent(bound.tpr.value, 2)}, FPR ${formatPercent(bound.fpr.value, 2)})</span></td></tr>`;
  });
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function groupSection(attacks: readonly AttackReport[]): string {
  if (attacks.length === 0 || attacks[0].perGroup.length === 0) return "";
  const strongest = [...attacks].sort((a, b) => b.auc.value - a.auc.value)[0];
  const parts: string[] = ["<h3>Who is exposed: per-group vulnerability</h3>"];
  strongest.perGroup.forEach((exposure, e) => {
    parts.push(`<div class="charts">${groupBarsSvg(exposure, strongest.label)}</div>`);
    const gap = exposure.gap;
    parts.push(
      gap
        ? `<p>Gap between the most exposed group (${escapeHtml(gap.most)}) and the least (${escapeHtml(gap.least)}): AUC ${withInterval(gap.auc)}.</p>`
        : `<p class="muted">Fewer than two groups large enough to compare.</p>`,
    );
    const rows = attacks.flatMap((a) =>
      a.perGroup[e].groups.map(
        (g) =>
          `<tr><td>${escapeHtml(a.label)}</td><td>${escapeHtml(g.group)}${g.small ? ' <span class="muted">(small)</span>' : ""}</td><td class="num">${g.members}</td><td class="num">${g.nonMembers}</td><td class="num">${withInterval(g.auc)}</td>${g.tprAtFpr.map((t) => `<td class="num">${withInterval(t, (v) => formatPercent(v, 2))}</td>`).join("")}</tr>`,
      ),
    );
    const levels = strongest.tprAtFpr.map((t) => `<th>TPR at FPR ≤ ${fprLabel(t.fpr)}</th>`).join("");
    parts.push(
      `<table><thead><tr><th>attack</th><th>${escapeHtml(exposure.attribute)}</th><th>members</th><th>non-members</th><th>AUC</th>${levels}</tr></thead><tbody>${rows.join("")}</tbody></table>`,
    );
  });
  return parts.join("\n");
}

function attributeSection(doc: AuditDocument): string {
  const a = doc.attribute;
  if (!a) return "";
  const rows = a.attackers.map(
    (x) =>
      `<tr><td>${escapeHtml(x.attacker)}</td><td>${escapeHtml(x.description)}</td><td class="num">${proportionCell(x.members)}</td><td class="num">${proportionCell(x.nonMembers)}</td></tr>`,
  );
  return `<h3>Attribute inference of ${escapeHtml(a.attribute)}</h3>
<table><thead><tr><th>attacker</th><th>what it sees</th><th>accuracy on members</th><th>on non-members</th></tr></thead><tbody>${rows.join("")}</tbody></table>
<p class="muted">${escapeHtml(a.protocol)}. Hidden from the attacker: ${escapeHtml(a.hiddenFeatures.join(", ") || "no feature column (the attribute is not a model input)")}.</p>`;
}

function canarySection(doc: AuditDocument): string {
  const c = doc.canaries;
  if (!c) return "";
  return `<h3>Canary audit in one training run</h3>
<p>${c.canaries} canaries (${escapeHtml(c.design)}), ${c.included} of them trained on; ${c.correct} of ${c.guesses} guesses correct (${c.chosen.in} "in", ${c.chosen.out} "out"; ${c.tried.length} guess counts tried, each at significance ${formatNumber(c.significance / c.tried.length, 4)}): ε ≥ <strong>${formatNumber(c.epsilonLowerBound)}</strong> (Steinke, Nasr &amp; Jagielski 2023).</p>`;
}

/**
 * The audit document as a self-contained HTML fragment (ROC curves, per-group bars, the two epsilons).
 *
 * @example
 * ```ts
 * import { type AuditDocument, renderAuditFragment } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see membershipExperiment or parseAuditDocument
 * const html = renderAuditFragment(doc); // a <section class="eq-audit"> with its own styles, to embed in a page
 * ```
 */
export function renderAuditFragment(doc: AuditDocument): string {
  const setup = doc.setup;
  const summary =
    doc.kind === "canaries"
      ? `One DP-SGD run of ${escapeHtml(doc.target.model)} on ${escapeHtml(doc.data.name)}.`
      : `${escapeHtml(doc.target.model)} on ${escapeHtml(doc.data.name)}: ${setup.candidates} candidates (${setup.members} members, ${setup.nonMembers} non-members), ${setup.shadows} shadow models trained with the target's recipe on random subsets of a pool of ${setup.pool} rows; ${setup.population} population rows no model saw.`;
  return `<section class="eq-audit">
<style>${AUDIT_CSS}</style>
<h2>Privacy audit</h2>
<p>${summary}</p>
${verdictSection(doc)}
${doc.attacks.length > 0 ? `<h3>Membership inference</h3><div class="charts">${rocSvg(doc.attacks)}</div>${attackTable(doc.attacks)}` : ""}
${groupSection(doc.attacks)}
${attributeSection(doc)}
${canarySection(doc)}
${doc.notes.length > 0 ? `<h3>Notes</h3><ul>${doc.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>` : ""}
</section>`;
}

/**
 * The fragment as a whole page (for `equipoise report --audit` until it is wired into the study report).
 *
 * @example
 * ```ts
 * import { type AuditDocument, renderAuditPage } from "equipoise/audit/light";
 * import { writeFileSync } from "node:fs";
 * declare const doc: AuditDocument; // see membershipExperiment or parseAuditDocument
 * writeFileSync("audit.html", renderAuditPage(doc, "Audit of model.json"));
 * ```
 */
export function renderAuditPage(doc: AuditDocument, title = "Equipoise privacy audit"): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body style="margin: 20px 24px; background: #f5f6f8">
${renderAuditFragment(doc)}
</body></html>
`;
}
