/**
 * A self-contained HTML fragment for any explanation document (report/schema.ts), for
 * `equipoise report` and the dashboard to embed: one <section> with its own scoped
 * styles, tables, and an inline SVG for removal curves. No script, no external asset.
 */
import type {
  DescribedRow,
  ExampleExplanation,
  ExplanationDocument,
  FairnessExplanationDocument,
  InfluenceMatrixDocument,
  MislabelsDocument,
  ValuesDocument,
} from "./schema.js";

const STYLE = `
.eq-explain{font:14px/1.45 system-ui,sans-serif;color:#1d2433;margin:1.5em 0}
.eq-explain h3{font-size:1.1em;margin:.2em 0 .5em}
.eq-explain table{border-collapse:collapse;margin:.4em 0 1em;font-size:.92em}
.eq-explain th,.eq-explain td{border-bottom:1px solid #dde2ea;padding:.25em .6em;text-align:left;vertical-align:top}
.eq-explain td.num{text-align:right;font-variant-numeric:tabular-nums}
.eq-explain .warn{color:#8a3b00;background:#fff4e5;padding:.4em .6em;border-radius:4px;margin:.3em 0}
.eq-explain .muted{color:#5b6475;font-size:.9em}
`;

export function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function num(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e-3 || value === 0 ? value.toFixed(digits) : value.toExponential(3);
}

function table(headers: string[], rows: string[][], numeric: boolean[] = []): string {
  const head = headers.map((h) => `<th>${escapeText(h)}</th>`).join("");
  const body = rows
    .map(
      (r) => `<tr>${r.map((cell, i) => `<td${numeric[i] ? ' class="num"' : ""}>${cell}</td>`).join("")}</tr>`,
    )
    .join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function rowSummary(row: DescribedRow): string {
  const values = Object.entries(row.values)
    .map(([k, v]) => `${escapeText(k)}=${escapeText(String(v))}`)
    .join(", ");
  return `<span class="muted">${values}</span>`;
}

function warnings(doc: ExplanationDocument): string {
  return doc.warnings.map((w) => `<div class="warn">${escapeText(w)}</div>`).join("");
}

function header(doc: ExplanationDocument, title: string): string {
  const model = doc.model ? ` · ${escapeText(doc.model.description)}` : "";
  return `<h3>${escapeText(title)}</h3><div class="muted">${escapeText(doc.data)}${model} · ${num(doc.seconds, 2)} s</div>`;
}

function influencedRows(rows: (DescribedRow & { influence: number })[]): string {
  return table(
    ["row", "influence", "label", "groups", "values"],
    rows.map((r) => [
      String(r.row),
      num(r.influence, 6),
      escapeText(r.label),
      escapeText(
        Object.entries(r.group)
          .map(([k, v]) => `${k}=${v}`)
          .join(" "),
      ),
      rowSummary(r),
    ]),
    [true, true],
  );
}

function renderExample(doc: ExampleExplanation): string {
  const t = doc.test;
  return [
    header(doc, `Why test row ${t.row} is predicted ${t.prediction}`),
    `<p>P(positive) = ${num(t.probability)}, label ${escapeText(t.label)}, loss ${num(t.loss)}; method ${escapeText(doc.method)}${doc.trusted ? "" : " <b>(not trusted)</b>"}. Influence = this test loss without the training row minus with it.</p>`,
    "<p>Most helpful training rows</p>",
    influencedRows(doc.helpful),
    "<p>Most harmful training rows</p>",
    influencedRows(doc.harmful),
  ].join("");
}

function renderMatrix(doc: InfluenceMatrixDocument): string {
  const title = doc.kind === "loo" ? "Leave-one-out retraining" : `Influence (${doc.method})`;
  const rows = doc.testRows.map((testRow, t) => {
    const values = doc.influence[t];
    const order = values.map((_, i) => i).sort((a, b) => values[b] - values[a]);
    const show = (i: number) => `#${doc.trainRows[i]} ${num(values[i], 6)}`;
    return [
      String(testRow),
      order.slice(0, 3).map(show).join(", "),
      order.slice(-3).reverse().map(show).join(", "),
    ];
  });
  return [
    header(doc, `${title}: ${doc.testRows.length} test × ${doc.trainRows.length} training rows`),
    table(["test row", "most helpful", "most harmful"], rows, [true]),
  ].join("");
}

function curveSvg(curves: NonNullable<ValuesDocument["removalCurves"]>): string {
  const width = 360;
  const height = 180;
  const pad = 32;
  const scores = curves.flatMap((c) => c.scores);
  const lo = Math.min(...scores);
  const hi = Math.max(...scores);
  const maxFraction = Math.max(...curves.flatMap((c) => c.fractions));
  const x = (f: number) => pad + ((width - 2 * pad) * f) / (maxFraction || 1);
  const y = (s: number) => height - pad - ((height - 2 * pad) * (s - lo)) / (hi - lo || 1);
  const colours = { "highest-first": "#c0392b", "lowest-first": "#2471a3", random: "#7f8c8d" };
  const lines = curves
    .map((c) => {
      const points = c.fractions.map((f, i) => `${x(f).toFixed(1)},${y(c.scores[i]).toFixed(1)}`).join(" ");
      return `<polyline fill="none" stroke="${colours[c.order]}" stroke-width="2" points="${points}"><title>${c.order}</title></polyline>`;
    })
    .join("");
  const labels = `<text x="${pad}" y="${height - 8}" font-size="11">0 %</text><text x="${width - pad - 24}" y="${height - 8}" font-size="11">${num(100 * maxFraction, 0)} % removed</text><text x="2" y="${pad}" font-size="11">${num(hi)}</text><text x="2" y="${height - pad}" font-size="11">${num(lo)}</text>`;
  const legend = curves
    .map(
      (c, i) =>
        `<text x="${width - 130}" y="${16 + 14 * i}" font-size="11" fill="${colours[c.order]}">${c.order}</text>`,
    )
    .join("");
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="removal curves">${lines}${labels}${legend}</svg>`;
}

function renderValues(doc: ValuesDocument): string {
  const s = doc.summary;
  return [
    header(doc, `Data values (${doc.method})`),
    `<p>${escapeText(doc.utility)}. Sum ${num(s.sum, 6)}, min ${num(s.min, 6)}, max ${num(s.max, 6)}, ${num(100 * s.negativeFraction, 2)} % negative; ${doc.convergence.converged ? "converged" : "<b>not converged</b>"} after ${doc.convergence.samples} samples.</p>`,
    `<p>Highest: ${s.highest.join(", ")}<br>Lowest: ${s.lowest.join(", ")}</p>`,
    doc.removalCurves
      ? `<p>Removal curves (accuracy after retraining; ${escapeText(doc.curveRows ?? "")})</p>${curveSvg(doc.removalCurves)}`
      : "",
  ].join("");
}

function gapCells(g: FairnessExplanationDocument["before"]): string[] {
  return [num(g.test), `${num(g.testHalves[0])} / ${num(g.testHalves[1])}`, num(g.testAccuracy)];
}

function renderFairness(doc: FairnessExplanationDocument): string {
  const r = doc.removal;
  return [
    header(
      doc,
      `The training rows behind the ${doc.constraint.replaceAll("_", " ")} gap by ${doc.attribute}`,
    ),
    `<p>Surrogate: ${escapeText(doc.surrogate.description)} = ${num(doc.surrogate.value)} (influence by ${escapeText(doc.method)}, computed on the training rows; the test split measures the effect).</p>`,
    table(
      ["", "gap (test)", "gap (test halves)", "accuracy"],
      [
        ["before", ...gapCells(doc.before)],
        [`${r.rows} most harmful rows removed (${r.rounds} rounds)`, ...gapCells(r.after)],
        [`${r.rows} random rows removed (mean)`, ...gapCells(r.random.mean)],
        [`${r.rows} highest-loss rows removed`, ...gapCells(r.highestLoss)],
      ],
      [false, true, true, true],
    ),
    "<p>Groups of training rows behind the gap</p>",
    table(
      ["pattern", "rows", "predicted (first order / Newton)", "actual (retrained)", "gap after"],
      doc.patterns.map((p) => [
        escapeText(p.description),
        `${p.rows} (${num(100 * p.support, 2)} %)`,
        `${num(p.predictedFirstOrder, 5)} / ${num(p.predictedNewton, 5)}`,
        num(p.actualSurrogateChange, 5),
        num(p.gapAfter.test),
      ]),
      [false, true, true, true, true],
    ),
    "<p>Rows whose removal would reduce the gap most</p>",
    influencedRows(doc.harmful),
    doc.looUnfairness
      ? `<p>Leave-one-out unfairness over ${doc.looUnfairness.trainRows} training rows: ${num(100 * doc.looUnfairness.removalsThatFlip, 1)} % of removals flip at least one test decision.</p>${table(
          ["group", "test rows", "decisions that flip under some removal", "mean flips"],
          doc.looUnfairness.byGroup.map((g) => [
            escapeText(g.group),
            String(g.testRows),
            `${g.unstable} (${num(100 * g.unstableFraction, 2)} %)`,
            num(g.meanFlips),
          ]),
          [false, true, true, true],
        )}`
      : "",
  ].join("");
}

function renderMislabels(doc: MislabelsDocument): string {
  return [
    header(doc, `Suspected mislabelled training rows (${doc.score})`),
    table(
      ["rank", "row", "score", "label", "values"],
      doc.suspects.map((s) => [
        String(s.rank),
        String(s.row),
        num(s.score),
        escapeText(s.label),
        rowSummary(s),
      ]),
      [true, true, true],
    ),
    doc.check
      ? `<p>Check: ${num(100 * doc.check.flipped, 0)} % of the labels flipped at random; share of them found in each score's top ${num(100 * doc.check.flipped, 0)} %: ${Object.entries(
          doc.check.recallAtFlipped,
        )
          .map(([k, v]) => `${escapeText(k)} ${num(v, 3)}`)
          .join(", ")}.</p>`
      : "",
  ].join("");
}

/**
 * An explanation document as an HTML fragment (what `equipoise report` and the dashboard show); every value
 * from the document is escaped.
 *
 * @example
 * ```ts
 * import { explanationSchema, renderExplanationFragment } from "equipoise/explain";
 * declare const text: string; // an `equipoise explain ... --json` document
 * const html = renderExplanationFragment(explanationSchema.parse(JSON.parse(text)));
 * ```
 */
export function renderExplanationFragment(doc: ExplanationDocument): string {
  let body: string;
  switch (doc.kind) {
    case "example":
      body = renderExample(doc);
      break;
    case "influence":
    case "loo":
      body = renderMatrix(doc);
      break;
    case "values":
      body = renderValues(doc);
      break;
    case "fairness":
      body = renderFairness(doc);
      break;
    case "mislabels":
      body = renderMislabels(doc);
      break;
  }
  return `<section class="eq-explain"><style>${STYLE}</style>${body}${warnings(doc)}</section>`;
}
