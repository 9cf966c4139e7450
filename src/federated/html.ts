/**
 * A self-contained HTML fragment of a federated run's report (no scripts, no external
 * resources; inline SVG), for `equipoise report` to embed: accuracy and ε per round,
 * the fairness gap per round, the spread of the clients' accuracies, the final
 * metrics by group, and what ε covers.
 */
import type { FederatedReport } from "./report.js";

const WIDTH = 560;
const HEIGHT = 200;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

/**
 * A federated report as a self-contained HTML fragment (accuracy and ε per round, clients, privacy).
 *
 * @example
 * ```ts
 * import { type FederatedReport, renderFederatedHtml } from "equipoise/federated";
 * declare const report: FederatedReport; // from simulateFederated or runFederationServer
 * const fragment = renderFederatedHtml(report); // embed in a page, or pass to the report module
 * ```
 */
export function renderFederatedHtml(report: FederatedReport): string {
  const rounds = report.rounds.map((r) => r.round);
  const accuracy = report.rounds.map((r) => r.evaluation.accuracy);
  const epsilon = report.rounds.map((r) => r.epsilon);
  const gap = report.rounds.map((r) => r.evaluation.fairness[0]?.demographicParityDifference ?? Number.NaN);
  const worst = report.rounds.map((r) => r.clientAccuracy.min);
  const best = report.rounds.map((r) => r.clientAccuracy.max);
  const { privacy, final, config } = report;
  const parts = [
    `<section class="equipoise-federated" style="font:14px/1.4 system-ui,sans-serif">`,
    `<h2>Federated learning: ${escapeHtml(report.data.name)}</h2>`,
    `<p>${config.clients} clients, ${report.rounds.length} rounds, model ${escapeHtml(config.model)} (${report.parameters} parameters), ${report.mode === "simulation" ? "simulated" : "separate processes"}${report.secure ? `, secure aggregation (${report.secure.graph}, ${report.secure.ringBits}-bit ring)` : ""}. Final test accuracy <b>${final.accuracy.toFixed(4)}</b>.</p>`,
    `<p>${privacy.private ? `Client-level DP (${privacy.mode}): <b>ε = ${formatNumber(privacy.epsilon)}</b> at δ = ${privacy.delta}, noise ${privacy.noise}, clip ${privacy.clip}, sampling rate ${privacy.sampleRate}${privacy.epsilonAgainstServer !== undefined ? `; against the server ε = ${formatNumber(privacy.epsilonAgainstServer)}` : ""}${privacy.suitableForRelease ? "" : " — seeded noise, not for release"}.` : "No differential privacy (ε = ∞)."}</p>`,
    chart("Test accuracy by round", rounds, [{ label: "accuracy", values: accuracy, colour: "#1f77b4" }]),
  ];
  if (privacy.private)
    parts.push(chart("ε after each round", rounds, [{ label: "ε", values: epsilon, colour: "#d62728" }]));
  if (gap.some(Number.isFinite)) {
    parts.push(
      chart(
        `Demographic parity difference by ${escapeHtml(report.final.fairness[0]?.attribute ?? "group")}`,
        rounds,
        [{ label: "DP difference", values: gap, colour: "#9467bd" }],
      ),
    );
  }
  if (worst.some(Number.isFinite)) {
    parts.push(
      chart("Accuracy of the global model on each client's rows: worst and best client", rounds, [
        { label: "worst client", values: worst, colour: "#ff7f0e" },
        { label: "best client", values: best, colour: "#2ca02c" },
      ]),
    );
  }
  parts.push(
    "<table><thead><tr><th>attribute</th><th>group</th><th>rows</th><th>accuracy</th><th>selection rate</th><th>TPR</th><th>FPR</th></tr></thead><tbody>",
    ...final.groups.map(
      (g) =>
        `<tr><td>${escapeHtml(g.attribute)}</td><td>${escapeHtml(g.group)}</td><td>${g.count}</td><td>${formatNumber(g.accuracy)}</td><td>${formatNumber(g.selectionRate)}</td><td>${formatNumber(g.truePositiveRate)}</td><td>${formatNumber(g.falsePositiveRate)}</td></tr>`,
    ),
    "</tbody></table>",
  );
  if (final.backdoorSuccess !== undefined)
    parts.push(
      `<p>Backdoor success on triggered test rows: ${(100 * final.backdoorSuccess).toFixed(1)} %.</p>`,
    );
  const aborted = report.rounds.filter((r) => r.aborted);
  if (aborted.length > 0) {
    parts.push(
      `<p>Aborted rounds (model unchanged): ${aborted.map((r) => `${r.round} (${escapeHtml(r.aborted!)})`).join("; ")}.</p>`,
    );
  }
  parts.push(`<p>Not covered by ε: ${privacy.notCovered.map(escapeHtml).join("; ")}.</p>`, "</section>");
  return parts.join("\n");
}

interface Series {
  label: string;
  values: number[];
  colour: string;
}

function chart(title: string, xs: number[], series: Series[]): string {
  const finite = series.flatMap((s) => s.values.filter(Number.isFinite));
  if (finite.length === 0 || xs.length === 0) return "";
  let low = Math.min(...finite);
  let high = Math.max(...finite);
  if (high - low < 1e-9) {
    low -= 0.5;
    high += 0.5;
  }
  const x = (v: number) =>
    PAD.left +
    (xs.length === 1 ? 0.5 : (v - xs[0]) / (xs[xs.length - 1] - xs[0])) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - low) / (high - low)) * (HEIGHT - PAD.top - PAD.bottom);
  const lines = series.map((s) => {
    const points = s.values
      .map((v, k) => (Number.isFinite(v) ? `${x(xs[k]).toFixed(1)},${y(v).toFixed(1)}` : null))
      .filter((p): p is string => p !== null);
    return `<polyline fill="none" stroke="${s.colour}" stroke-width="2" points="${points.join(" ")}"><title>${escapeHtml(s.label)}</title></polyline>`;
  });
  const legend = series
    .map(
      (s, k) =>
        `<text x="${PAD.left + 8 + k * 140}" y="${PAD.top + 12}" fill="${s.colour}" font-size="12">${escapeHtml(s.label)}</text>`,
    )
    .join("");
  return [
    `<figure><figcaption>${escapeHtml(title)}</figcaption>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(title)}">`,
    `<line x1="${PAD.left}" y1="${HEIGHT - PAD.bottom}" x2="${WIDTH - PAD.right}" y2="${HEIGHT - PAD.bottom}" stroke="#888"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${HEIGHT - PAD.bottom}" stroke="#888"/>`,
    `<text x="${PAD.left - 6}" y="${y(high) + 4}" text-anchor="end" font-size="11">${formatNumber(high)}</text>`,
    `<text x="${PAD.left - 6}" y="${y(low) + 4}" text-anchor="end" font-size="11">${formatNumber(low)}</text>`,
    `<text x="${x(xs[0])}" y="${HEIGHT - 8}" font-size="11">round ${xs[0]}</text>`,
    `<text x="${x(xs[xs.length - 1])}" y="${HEIGHT - 8}" text-anchor="end" font-size="11">round ${xs[xs.length - 1]}</text>`,
    ...lines,
    legend,
    "</svg></figure>",
  ].join("");
}

function formatNumber(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "–";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
