/**
 * Self-contained HTML for the architecture library (a whole page) and for a search
 * result (a fragment the report can embed): tables only, no script, every value
 * escaped. Light: no tensor engine.
 */
import type { Catalogue, Interval, NasResult } from "./schema.js";

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

function share(value: number | undefined | null): string {
  return value === undefined || value === null ? "–" : value.toFixed(3);
}

function interval(value: Interval | undefined): string {
  if (!value) return "–";
  return value.n === 1
    ? `${value.mean.toFixed(3)} <small>(1 seed)</small>`
    : `${value.mean.toFixed(3)} <small>[${value.low.toFixed(3)}, ${value.high.toFixed(3)}]</small>`;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .5em;text-align:right}
td.a,th.a{text-align:left;font-family:monospace;font-size:.85em}small{color:#666}
.bias-repelling{background:#e3f4e3}.bias-attracting{background:#f8e1e1}.reference{background:#eef}
code{font-size:.8em;word-break:break-all}`;

/**
 * The architecture library's catalogue as a self-contained HTML page.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { type BenchmarkEvaluations, buildCatalogue, renderLibraryHtml } from "equipoise/nas";
 * declare const measured: BenchmarkEvaluations[]; // from runLibraryPlan
 * writeFileSync("library.html", renderLibraryHtml(buildCatalogue(measured, "2-core CI runner")));
 * ```
 */
export function renderLibraryHtml(catalogue: Catalogue): string {
  const sections = catalogue.benchmarks.map((benchmark) => {
    const biased = benchmark.entries.some((e) => e.test.conflictingAccuracy !== undefined);
    const head = [
      "rank",
      "architecture",
      "class",
      "parameters",
      "FLOPs",
      "accuracy",
      "worst-group",
      "bias gap",
      ...(biased ? ["aligned", "conflicting"] : []),
      "flip rate",
      "seeds",
    ];
    const rows = benchmark.entries.map(
      (
        e,
      ) => `<tr class="${e.classification}"><td>${e.rank}</td><td class="a">${escapeHtml(e.architecture)}<br><small>${e.hash}</small></td><td class="a">${e.classification}</td><td>${e.cost.parameters}</td><td>${e.cost.flops}</td><td>${interval(e.test.accuracy)}</td><td>${interval(e.test.worstGroupAccuracy)}</td><td>${interval(e.test.biasGap)}</td>${biased ? `<td>${interval(e.test.alignedAccuracy)}</td><td>${interval(e.test.conflictingAccuracy)}</td>` : ""}<td>${interval(e.test.flipRate)}</td><td class="a">${e.seeds.map((s) => s.seed).join(", ")}</td></tr>
<tr class="${e.classification}"><td></td><td class="a" colspan="${head.length - 1}">reproduce: <code>${escapeHtml(e.command)}</code></td></tr>`,
    );
    return `<h2>${escapeHtml(benchmark.task)}</h2>
<p>${escapeHtml(benchmark.description)}. Reference: <code>${escapeHtml(benchmark.reference)}</code>.</p>
<table><thead><tr>${head.map((h, k) => `<th${k === 1 || k === 2 ? ' class="a"' : ""}>${h}</th>`).join("")}</tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Equipoise architecture library</title><style>${STYLE}</style></head>
<body>
<h1>Architecture library: bias-attracting and bias-repelling architectures</h1>
<p>Created ${escapeHtml(catalogue.created)} on ${escapeHtml(catalogue.machine)}. Test-split figures, mean over seeds with the 95% Student-t interval of the mean.</p>
<p>Rule: ${escapeHtml(catalogue.rule)}.</p>
${sections.join("\n")}
<p><small>Non-private training: nothing here is covered by a differential-privacy guarantee.</small></p>
</body></html>
`;
}

/**
 * The front of a search as an HTML fragment (a table; the report wraps it).
 *
 * @example
 * ```ts
 * import { type NasSearchOptions, renderSearchFragment, searchArchitectures } from "equipoise/nas";
 * declare const options: NasSearchOptions; // task, budget, objectives, fidelity...
 * const result = await searchArchitectures(options); // see searchArchitectures
 * const table = renderSearchFragment(result); // the front as an HTML table, for the report to wrap
 * ```
 */
export function renderSearchFragment(result: NasResult): string {
  const names = result.objectives.map((o) => `${o.name} (${o.direction === "maximize" ? "↑" : "↓"})`);
  const front = result.trials.filter((t) => result.front.includes(t.number));
  const row = (label: string, architecture: string, parameters: number, values: string[], test?: string) =>
    `<tr><td>${label}</td><td class="a">${escapeHtml(architecture)}</td><td>${parameters}</td>${values.map((v) => `<td>${v}</td>`).join("")}<td>${test ?? "–"}</td></tr>`;
  const testOf = (t: { test?: { worstGroupAccuracy: number; biasGap: number } }) =>
    t.test ? `${share(t.test.worstGroupAccuracy)} / ${share(t.test.biasGap)}` : undefined;
  return `<section class="equipoise-nas">
<h2>Architecture search on ${escapeHtml(result.task.id)}</h2>
<p>${result.trials.length} architectures (${escapeHtml(result.fidelity.description)}, ${escapeHtml(result.strategy)}); the front of the complete trials on the validation split. ${result.selected ? `Selected: trial ${result.selected.number}, ${escapeHtml(result.selected.reason)}.` : "No front architecture is as small as the reference."}</p>
<table><thead><tr><th>trial</th><th class="a">architecture</th><th>parameters</th>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join("")}<th>test worst-group / bias gap</th></tr></thead><tbody>
${row(
  "reference",
  result.reference.architecture,
  result.reference.cost.parameters,
  result.objectives.map(() => "–"),
  testOf(result.reference),
)}
${front
  .map((t) =>
    row(
      String(t.number),
      t.architecture,
      t.cost.parameters,
      t.objectives.map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(4))),
      testOf(t),
    ),
  )
  .join("\n")}
</tbody></table>
${result.debiasing ? debiasingHtml(result.debiasing) : ""}
</section>`;
}

/** Architecture alone against the debiasing methods, on the test split. */
function debiasingHtml(comparison: NonNullable<NasResult["debiasing"]>): string {
  const label =
    comparison.metric === "conflictingAccuracy" ? "bias-conflicting accuracy" : "worst-group accuracy";
  const gain = (value: number) => {
    const points = 100 * (value - comparison.reference);
    return `${points >= 0 ? "+" : "−"}${Math.abs(points).toFixed(1)}`;
  };
  const rows = [
    `<tr><td>reference, plain</td><td>${share(comparison.reference)}</td><td>–</td></tr>`,
    ...(comparison.selected
      ? [
          `<tr><td>selected architecture (trial ${comparison.selected.number}, ${comparison.selected.parameters} parameters), plain</td><td>${share(comparison.selected.value)}</td><td>${gain(comparison.selected.value)}</td></tr>`,
        ]
      : []),
    ...comparison.methods.map(
      (m) =>
        `<tr><td>reference, ${escapeHtml(m.method)}</td><td>${share(m.value)}</td><td>${gain(m.value)}</td></tr>`,
    ),
  ];
  return `<h3>Architecture or debiasing?</h3>
<table><thead><tr><th class="a">model</th><th>test ${label}</th><th>points vs reference</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table>
<p>${escapeHtml(comparison.verdict)}</p>`;
}
