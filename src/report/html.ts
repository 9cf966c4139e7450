/**
 * The self-contained HTML report: one file, inline CSS and script, the data
 * embedded as JSON, no network access (a Content-Security-Policy forbids it).
 * Static parts (tables, 2-D charts) are rendered here; the rotatable 3-D front,
 * tooltips and the per-group panel are drawn in the page by `reportClient`.
 */

import { UserError } from "../common/errors.js";
import { reportClient } from "./client.js";
import {
  escapeHtml,
  formatDuration,
  formatEpsilon,
  formatParam,
  formatRate,
  GAP_LABELS,
  jsonForScriptTag,
} from "./format.js";
import { nonFiniteReplacer } from "./json.js";
import { privacyCostHtml } from "./privacy-cost.js";
import { type EpsilonAxis, epsilonAxis, type LinearAxis, linearAxis } from "./scales.js";
import { REPORT_CSS } from "./styles.js";
import { type ChartFrame, type ScatterPoint, scatterSvg, stepLineSvg } from "./svg-charts.js";
import type { FairnessGapName, ReportData, ReportTrial, TrialMetrics } from "./types.js";

type PlottedTrial = ReportTrial & { validation: TrialMetrics };

interface ReportAxes {
  accuracy: LinearAxis;
  epsilon: EpsilonAxis;
  gap: LinearAxis;
}

const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

/** Complete trials with validation metrics: the points of every chart. */
export function plottedTrials(data: ReportData): PlottedTrial[] {
  for (const trial of data.trials) {
    if (trial.state === "complete" && !trial.validation) {
      throw new UserError(`trial ${trial.number} is complete but has no validation metrics`);
    }
  }
  return data.trials.filter(
    (trial): trial is PlottedTrial => trial.state === "complete" && trial.validation !== undefined,
  );
}

function gapName(data: ReportData): FairnessGapName {
  return data.settings.fairnessGap ?? "dpDifference";
}

function reportAxes(trials: PlottedTrial[], gap: FairnessGapName): ReportAxes {
  return {
    accuracy: linearAxis(
      trials.map((trial) => trial.validation.accuracy),
      { lower: 0, upper: 1 },
    ),
    epsilon: epsilonAxis(trials.map((trial) => trial.validation.epsilon)),
    gap: linearAxis(
      trials.map((trial) => trial.validation[gap]),
      { lower: 0, upper: 1, includeZero: true },
    ),
  };
}

function describe(trial: PlottedTrial, gap: FairnessGapName): string {
  const v = trial.validation;
  const kind = trial.onPareto ? "Pareto" : "dominated";
  return `Trial ${trial.number} (${kind}): accuracy ${formatRate(v.accuracy)}, ε ${formatEpsilon(v.epsilon)}, ${GAP_LABELS[gap].short} ${formatRate(v[gap])}`;
}

function projectionCharts(trials: PlottedTrial[], axes: ReportAxes, gap: FairnessGapName): string[] {
  const gapLabel = `${GAP_LABELS[gap].medium} (validation)`;
  const accuracyLabel = "accuracy (validation)";
  const epsilonLabel = "ε, log scale";
  const points = (x: (m: TrialMetrics) => number, y: (m: TrialMetrics) => number): ScatterPoint[] =>
    trials.map((trial) => ({
      trial: trial.number,
      x: x(trial.validation),
      y: y(trial.validation),
      pareto: trial.onPareto,
      description: describe(trial, gap),
    }));
  const frames: [ChartFrame, ScatterPoint[]][] = [
    [
      {
        id: "projection-accuracy-epsilon",
        title: "Accuracy against epsilon",
        xLabel: epsilonLabel,
        yLabel: accuracyLabel,
        xAxis: axes.epsilon,
        yAxis: axes.accuracy,
      },
      points(
        (m) => m.epsilon,
        (m) => m.accuracy,
      ),
    ],
    [
      {
        id: "projection-accuracy-gap",
        title: "Accuracy against fairness gap",
        xLabel: gapLabel,
        yLabel: accuracyLabel,
        xAxis: axes.gap,
        yAxis: axes.accuracy,
      },
      points(
        (m) => m[gap],
        (m) => m.accuracy,
      ),
    ],
    [
      {
        id: "projection-epsilon-gap",
        title: "Fairness gap against epsilon",
        xLabel: epsilonLabel,
        yLabel: gapLabel,
        xAxis: axes.epsilon,
        yAxis: axes.gap,
      },
      points(
        (m) => m.epsilon,
        (m) => m[gap],
      ),
    ],
  ];
  return frames.map(
    ([frame, framePoints]) =>
      `<figure><figcaption>${escapeHtml(frame.title)}</figcaption>${scatterSvg(frame, framePoints)}</figure>`,
  );
}

function hypervolumeChart(data: ReportData): string {
  const history = data.hypervolumeHistory;
  const trialNumbers = history.map((point) => point.trial);
  const lastTrial = data.trials.reduce((last, trial) => Math.max(last, trial.number), 0);
  const xAxis = linearAxis([...trialNumbers, lastTrial, 0], { lower: 0 });
  const yAxis = linearAxis(
    [0, ...history.map((point) => point.hypervolume), data.finalHypervolume.test ?? 0],
    {
      lower: 0,
      upper: 1,
      includeZero: true,
    },
  );
  const frame: ChartFrame = {
    id: "hypervolume-chart",
    title: "Hypervolume of the validation front after each trial",
    xLabel: "trial",
    yLabel: "hypervolume",
    xAxis,
    yAxis,
  };
  const test = data.finalHypervolume.test;
  const extra =
    test === undefined
      ? undefined
      : {
          point: { x: history.length > 0 ? Math.max(...trialNumbers) : lastTrial, y: test },
          description: `Final hypervolume on the test split: ${formatRate(test)}`,
        };
  const legend =
    `<ul class="legend"><li><span class="swatch pareto"></span>validation front</li>` +
    (extra
      ? `<li><span class="swatch" style="background:#059669;border-radius:2px;transform:rotate(45deg)"></span>final, test split</li>`
      : "") +
    "</ul>";
  return `<figure><figcaption>Hypervolume against trials</figcaption>${stepLineSvg(
    frame,
    history.map((p) => ({ x: p.trial, y: p.hypervolume })),
    extra,
  )}${legend}</figure>`;
}

function legendHtml(): string {
  return (
    '<ul class="legend" aria-label="legend">' +
    '<li><span class="swatch pareto"></span>Pareto trial</li>' +
    '<li><span class="swatch dominated"></span>dominated trial</li>' +
    '<li><span class="swatch selected"></span>selected</li>' +
    '<li><span class="swatch band"></span>non-private (ε = ∞)</li>' +
    "</ul>"
  );
}

/** Parameter names in order of first appearance. */
function parameterNames(trials: ReportTrial[]): string[] {
  const names = new Set<string>();
  for (const trial of trials) for (const name of Object.keys(trial.params)) names.add(name);
  return [...names];
}

function paretoTable(trials: PlottedTrial[]): string {
  const pareto = trials
    .filter((trial) => trial.onPareto)
    .sort((a, b) => b.validation.accuracy - a.validation.accuracy);
  if (pareto.length === 0) return '<p class="muted">No trial is on the Pareto front yet.</p>';
  const params = parameterNames(pareto);
  const metricHeads = ["accuracy", "ε", "DP diff.", "EO diff."];
  const testHeads = ["accuracy", "DP diff.", "EO diff."];
  // Metrics first: at a narrow width the parameters are what scrolls out of view.
  const head =
    `<tr class="group-head"><th></th><th colspan="4">validation</th><th colspan="3">test</th><th colspan="${params.length}" class="params-start">parameters</th></tr>` +
    `<tr><th scope="col">trial</th>${metricHeads.map((name) => `<th scope="col">${name}</th>`).join("")}` +
    `${testHeads.map((name) => `<th scope="col">${name}</th>`).join("")}` +
    `${params.map((name, index) => `<th scope="col"${index === 0 ? ' class="params-start"' : ""}>${escapeHtml(name)}</th>`).join("")}</tr>`;
  const rows = pareto.map((trial) => {
    const v = trial.validation;
    const t = trial.test;
    const cells = [
      `<td>${trial.number}</td>`,
      `<td>${formatRate(v.accuracy)}</td><td>${formatEpsilon(v.epsilon)}</td><td>${formatRate(v.dpDifference)}</td><td>${formatRate(v.eoDifference)}</td>`,
      `<td class="split-start">${formatRate(t?.accuracy)}</td><td>${formatRate(t?.dpDifference)}</td><td>${formatRate(t?.eoDifference)}</td>`,
      ...params.map(
        (name, index) =>
          `<td${index === 0 ? ' class="params-start"' : ""}>${name in trial.params ? escapeHtml(formatParam(trial.params[name])) : "–"}</td>`,
      ),
    ];
    return `<tr data-trial="${trial.number}" tabindex="0" aria-selected="false">${cells.join("")}</tr>`;
  });
  return `<div class="table-scroll"><table class="data" id="pareto-trials"><thead>${head}</thead><tbody>${rows.join("")}</tbody></table></div>`;
}

function allTrialsTable(data: ReportData): string {
  const rows = [...data.trials]
    .sort((a, b) => a.number - b.number)
    .map((trial) => {
      const v = trial.validation;
      return (
        `<tr data-trial="${trial.number}" tabindex="0" aria-selected="false">` +
        `<td>${trial.number}</td><td class="text state-${trial.state}">${trial.state}</td><td>${trial.onPareto ? "yes" : ""}</td>` +
        `<td>${formatRate(v?.accuracy)}</td><td>${formatEpsilon(v?.epsilon)}</td><td>${formatRate(v?.dpDifference)}</td><td>${formatRate(v?.eoDifference)}</td>` +
        `<td>${formatDuration(trial.durationSeconds)}</td><td class="error-text">${escapeHtml(trial.error ?? "")}</td></tr>`
      );
    });
  const textColumns = new Set(["state", "error"]);
  const head = ["trial", "state", "Pareto", "accuracy", "ε", "DP diff.", "EO diff.", "duration", "error"]
    .map((name) => `<th scope="col"${textColumns.has(name) ? ' class="text"' : ""}>${name}</th>`)
    .join("");
  return `<div class="table-scroll"><table class="data" id="all-trials-table"><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

function definitionList(entries: [string, string][]): string {
  return `<dl>${entries.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`).join("")}</dl>`;
}

function studyFacts(data: ReportData): string {
  const { dataset, settings } = data;
  const count = (value: number) => value.toLocaleString("en-US");
  const datasetList = definitionList([
    ["dataset", dataset.name],
    [
      "rows",
      `${count(dataset.rows.train)} train · ${count(dataset.rows.validation)} validation · ${count(dataset.rows.test)} test`,
    ],
    ["features", String(dataset.features)],
    ["target", dataset.target],
    ["sensitive", dataset.sensitive.join(", ") || "–"],
    [
      "reference model",
      `accuracy ${formatRate(data.reference.accuracy)} · gap_ref ${formatRate(data.reference.gapRef)}`,
    ],
  ]);
  const settingsList = definitionList([
    ["objectives", settings.objectives.join(", ")],
    ["constraints", settings.constraints.join(", ") || "none"],
    ["fairness axis", GAP_LABELS[gapName(data)].long],
    ["strategy", settings.strategy],
    ["budget", `${settings.budget} trials`],
    ["seed", String(settings.seed)],
    ["workers", workersText(settings)],
    [
      "backend",
      settings.backend ?? (settings.runs?.length ? "differs between runs" : "not recorded in the study"),
    ],
    ...(settings.runs?.length ? [["runs", runsText(settings.runs)] as [string, string]] : []),
    ["delta", String(settings.delta)],
  ]);
  return `<div class="facts"><div><h3>Dataset</h3>${datasetList}</div><div><h3>Settings</h3>${settingsList}</div></div>`;
}

function workersText(settings: ReportData["settings"]): string {
  const peak = settings.peakConcurrentTrials;
  const atOnce = peak === undefined ? "" : ` (at most ${peak} trial${peak === 1 ? "" : "s"} ran at once)`;
  if (settings.workers !== null) return `${settings.workers}${atOnce}`;
  return `${settings.runs?.length ? "differs between runs" : "not recorded in the study"}${atOnce}`;
}

/** One line per run: workers, trials per batch, backend, version, trials finished. */
function runsText(runs: NonNullable<ReportData["settings"]["runs"]>): string {
  return runs
    .map(
      (run, k) =>
        `${runs.length > 1 ? `${k + 1}: ` : ""}${run.workers} worker${run.workers === 1 ? "" : "s"}, ${run.batchTrials} trial${run.batchTrials === 1 ? "" : "s"} per batch, ${run.backend}, Equipoise ${run.version}, ${run.trials} trial${run.trials === 1 ? "" : "s"}`,
    )
    .join(" · ");
}

function summaryCards(data: ReportData, plotted: PlottedTrial[]): string {
  const byState = (state: string) => data.trials.filter((trial) => trial.state === state).length;
  const paretoCount = plotted.filter((trial) => trial.onPareto).length;
  const test = data.finalHypervolume.test;
  const cards: [string, string][] = [
    [
      "trials",
      `${data.trials.length} <small>${byState("complete")} complete · ${byState("failed")} failed · ${byState("running")} running</small>`,
    ],
    ["Pareto trials", String(paretoCount)],
    [
      "hypervolume",
      `${formatRate(data.finalHypervolume.validation)} <small>validation${test === undefined ? "" : ` · ${formatRate(test)} test`}</small>`,
    ],
    [
      "reference model",
      `${formatRate(data.reference.accuracy)} <small>accuracy · gap_ref ${formatRate(data.reference.gapRef)}</small>`,
    ],
  ];
  return `<dl class="summary">${cards.map(([term, value]) => `<div><dt>${term}</dt><dd>${value}</dd></div>`).join("")}</dl>`;
}

/** The trial shown first in the panel: the most accurate Pareto trial, else the most accurate trial. */
function initialTrial(plotted: PlottedTrial[]): number | null {
  const pool = plotted.some((trial) => trial.onPareto) ? plotted.filter((trial) => trial.onPareto) : plotted;
  if (pool.length === 0) return null;
  return pool.reduce((best, trial) => (trial.validation.accuracy > best.validation.accuracy ? trial : best))
    .number;
}

/** The embedded JSON: what the in-page script needs, no more. */
function clientPayload(data: ReportData, plotted: PlottedTrial[], axes: ReportAxes): string {
  const gap = gapName(data);
  const payload = {
    trials: data.trials,
    axes,
    gap,
    gapLabel: GAP_LABELS[gap].long,
    initialTrial: initialTrial(plotted),
  };
  return jsonForScriptTag(JSON.stringify(payload, nonFiniteReplacer));
}

function clientScript(): string {
  // tsx/esbuild may wrap nested functions in __name(...) to keep their names;
  // the inlined copy needs that helper to exist.
  return `"use strict";\nvar __name = function (target) { return target; };\n(${reportClient.toString()})();`;
}

/**
 * One self-contained HTML page: open it from disk, offline, in any current browser.
 *
 * @example
 * ```ts
 * import { renderHtmlReport, reportDataFromJson } from "equipoise/report";
 * import { readFileSync } from "node:fs";
 * const html = renderHtmlReport(reportDataFromJson(JSON.parse(readFileSync("report.json", "utf8"))));
 * ```
 */
export function renderHtmlReport(data: ReportData): string {
  const plotted = plottedTrials(data);
  const gap = gapName(data);
  const axes = reportAxes(plotted, gap);
  const subtitleParts = [
    `${data.dataset.name}`,
    `${data.settings.strategy} search`,
    `objectives ${data.settings.objectives.join(", ")}`,
    data.generatedAt ? `generated ${data.generatedAt}` : "",
  ].filter((part) => part.length > 0);
  const notes =
    data.privacyNotes.length > 0
      ? `<ul class="notes">${data.privacyNotes.map((note) => `<li>${escapeHtml(note)}</li>`).join("")}</ul>`
      : '<p class="muted">No notes were recorded.</p>';
  const [accuracyEpsilon, accuracyGap, epsilonGap] = projectionCharts(plotted, axes, gap);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<title>${escapeHtml(data.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(data.title)}</h1>
<p class="subtitle">${escapeHtml(subtitleParts.join(" · "))}</p>
${summaryCards(data, plotted)}
</header>
<div class="layout">
<main>
<section id="front" aria-labelledby="front-heading">
<div class="section-head"><h2 id="front-heading">Pareto front in three dimensions</h2>${legendHtml()}</div>
<p class="hint">Validation metrics of every complete trial. Drag (or use the arrow keys) to rotate, hover for values, click a point for its per-group metrics.</p>
<div class="canvas-wrap">
<canvas id="front-canvas" tabindex="0" role="img" aria-label="Three-dimensional scatter plot of validation accuracy, epsilon on a log scale, and ${escapeHtml(GAP_LABELS[gap].long)} for ${plotted.length} complete trials; Pareto trials highlighted"></canvas>
<button type="button" id="reset-view">Reset view</button>
</div>
</section>
<section id="projections" aria-labelledby="projections-heading">
<div class="section-head"><h2 id="projections-heading">Projections and hypervolume</h2>${legendHtml()}</div>
<div class="chart-grid">
${accuracyEpsilon}
${accuracyGap}
${epsilonGap}
${hypervolumeChart(data)}
</div>
</section>
<section id="pareto" aria-labelledby="pareto-heading">
<h2 id="pareto-heading">Pareto trials</h2>
<p class="hint">Chosen on the validation split; each was then evaluated once on the test split. Click a row for its per-group metrics.</p>
${paretoTable(plotted)}
</section>
${privacyCostHtml(data.privacyCost)}
<section id="study" aria-labelledby="study-heading">
<h2 id="study-heading">Dataset and settings</h2>
${studyFacts(data)}
</section>
<section id="notes" aria-labelledby="notes-heading">
<h2 id="notes-heading">Privacy and honesty notes</h2>
${notes}
</section>
<section id="all-trials">
<details><summary>All trials (${data.trials.length})</summary>
${allTrialsTable(data)}
</details>
</section>
</main>
<aside class="sidebar" aria-label="selected trial">
<section id="trial-panel" aria-live="polite">
<h2>Selected trial</h2>
<p class="muted">Click a point or a table row to see the trial's parameters and its metrics by group.</p>
</section>
</aside>
</div>
<footer>Generated by Equipoise. This file is self-contained and makes no network requests.</footer>
<div id="tooltip" role="tooltip" hidden></div>
<script type="application/json" id="report-data">${clientPayload(data, plotted, axes)}</script>
<script>${clientScript()}</script>
</body>
</html>
`;
}
