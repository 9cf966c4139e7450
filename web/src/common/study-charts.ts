/**
 * The study page's charts, drawn from a StudyView: the rotatable 3-D front (on a
 * Canvas 2D view of its own, front-3d.ts, since Plotly's WebGL scene cannot be
 * rotated without a GPU), and with Plotly its three 2-D projections, parallel
 * coordinates of parameters and metrics, and hypervolume against trials. Shared by the server's dashboard and
 * the in-browser explorer. Every chart is drawn from validation metrics, the ones
 * the front is chosen on.
 *
 * ε is drawn on a log axis; a non-private trial (ε = ∞) sits at a labelled place
 * one decade beyond the largest finite ε.
 */
import type { StudyView, TrialRow } from "../../../src/server/documents.js";
import { formatEpsilon, formatRate } from "./format.js";
import type { Front3d } from "./front-3d.js";
import { OKABE_ITO, TRIAL_STYLE, type TrialStyleName } from "./palette.js";
import { drawChart, type PlotData, type PlotlyElement } from "./plotly.js";

export interface ChartState {
  /** Trials that pass the page's filter. */
  pass: Set<number>;
  /** Trials on the front under the filter. */
  front: Set<number>;
  /** Trials the user picked. */
  selected: Set<number>;
}

export interface Axis {
  key: string;
  title: string;
  log: boolean;
  value(trial: TrialRow): number | undefined;
  ticks?: { values: number[]; labels: string[] };
}

const GAP_KEYS = { dp: "dpDifference", eo: "eoDifference", eop: "eopDifference" } as const;
const GAP_TITLES = {
  dp: "demographic parity gap",
  eo: "equalized odds gap",
  eop: "equal opportunity gap",
} as const;

/** The fairness objective the study optimises (dp when it has none). */
export function gapOf(view: Pick<StudyView, "objectives">): keyof typeof GAP_KEYS {
  const name = view.objectives.map((o) => o.name).find((n) => n in GAP_KEYS);
  return (name as keyof typeof GAP_KEYS | undefined) ?? "dp";
}

/** Where ε = ∞ is drawn: a decade past the largest finite ε (at least 1000). */
export function infinityPosition(trials: readonly TrialRow[]): number {
  let largest = 100;
  for (const t of trials) {
    const e = t.validation?.epsilon;
    if (e !== undefined && Number.isFinite(e) && e > largest) largest = e;
  }
  return 10 ** (Math.ceil(Math.log10(largest)) + 1);
}

export function studyAxes(view: StudyView): Axis[] {
  if (view.kind !== "explorer") {
    return view.objectives.slice(0, 3).map((objective, k) => ({
      key: objective.name,
      title: `${objective.name} (${objective.direction === "minimize" ? "lower" : "higher"} is better)`,
      log: false,
      value: (t) => t.objectives?.[k] ?? undefined,
    }));
  }
  const infinity = infinityPosition(view.trials);
  const decades: number[] = [];
  for (let e = -2; 10 ** e < infinity; e++) decades.push(10 ** e);
  const gap = gapOf(view);
  return [
    {
      key: "epsilon",
      title: "ε (log scale; ∞ = non-private)",
      log: true,
      value: (t) => {
        const e = t.validation?.epsilon;
        if (e === undefined || Number.isNaN(e)) return undefined;
        return Number.isFinite(e) ? e : infinity;
      },
      ticks: { values: [...decades, infinity], labels: [...decades.map((d) => String(d)), "∞"] },
    },
    {
      key: GAP_KEYS[gap],
      title: `${GAP_TITLES[gap]} (lower is fairer)`,
      log: false,
      value: (t) => t.validation?.[GAP_KEYS[gap]],
    },
    { key: "accuracy", title: "accuracy (validation)", log: false, value: (t) => t.validation?.accuracy },
  ];
}

export function styleOf(trial: TrialRow, state: ChartState): TrialStyleName {
  if (!trial.feasible) return "infeasible";
  if (!state.pass.has(trial.number)) return "filteredOut";
  return state.front.has(trial.number) ? "pareto" : "dominated";
}

export function describeTrial(trial: TrialRow): string {
  const v = trial.validation;
  if (!v) return `trial ${trial.number} (${trial.state})`;
  return `trial ${trial.number}: accuracy ${formatRate(v.accuracy)}, ε ${formatEpsilon(v.epsilon)}, DP gap ${formatRate(v.dpDifference)}, EO gap ${formatRate(v.eoDifference)}`;
}

function plotted(view: StudyView, axes: Axis[]): TrialRow[] {
  return view.trials.filter((t) => t.state === "complete" && axes.every((a) => a.value(t) !== undefined));
}

function axisLayout(axis: Axis): Record<string, unknown> {
  return {
    title: { text: axis.title },
    type: axis.log ? "log" : "linear",
    ...(axis.ticks ? { tickvals: axis.ticks.values, ticktext: axis.ticks.labels } : {}),
    zeroline: false,
  };
}

const ORDER: TrialStyleName[] = ["filteredOut", "infeasible", "dominated", "pareto"];

function tracesByStyle(
  trials: TrialRow[],
  state: ChartState,
  coordinates: (t: TrialRow) => Record<string, number | undefined>,
): PlotData[] {
  const traces: PlotData[] = [];
  for (const name of ORDER) {
    const members = trials.filter((t) => styleOf(t, state) === name);
    if (members.length === 0) continue;
    const style = TRIAL_STYLE[name];
    const columns: Record<string, (number | undefined)[]> = {};
    for (const t of members) {
      for (const [key, value] of Object.entries(coordinates(t))) (columns[key] ??= []).push(value);
    }
    traces.push({
      type: "scatter",
      mode: "markers",
      name: style.label,
      ...columns,
      customdata: members.map((t) => t.number),
      text: members.map(describeTrial),
      hovertemplate: "%{text}<extra></extra>",
      marker: {
        color: style.colour,
        symbol: style.symbol,
        size: name === "pareto" ? 11 : 8,
        line: { color: style.colour, width: 1.5 },
        opacity: name === "filteredOut" ? 0.5 : 0.95,
      },
    });
  }
  const selected = trials.filter((t) => state.selected.has(t.number));
  if (selected.length > 0) {
    const style = TRIAL_STYLE.selected;
    const columns: Record<string, (number | undefined)[]> = {};
    for (const t of selected) {
      for (const [key, value] of Object.entries(coordinates(t))) (columns[key] ??= []).push(value);
    }
    traces.push({
      type: "scatter",
      mode: "markers",
      name: style.label,
      ...columns,
      customdata: selected.map((t) => t.number),
      text: selected.map(describeTrial),
      hovertemplate: "%{text}<extra></extra>",
      marker: {
        color: "rgba(0,0,0,0)",
        symbol: "star-open",
        size: 18,
        line: { color: style.colour, width: 3 },
      },
    });
  }
  return traces;
}

function onPick(element: PlotlyElement, onSelect: (trial: number) => void): void {
  element.removeAllListeners?.("plotly_click");
  element.on("plotly_click", (event) => {
    const number = event.points?.[0]?.customdata;
    if (typeof number === "number") onSelect(number);
  });
}

/** The 3-D front's axes and points (validation metrics), for the canvas view of front-3d.ts. */
export function drawFront3d(front: Front3d, view: StudyView, state: ChartState): void {
  const axes = studyAxes(view);
  if (axes.length < 3) return;
  const [x, y, z] = axes;
  front.update(
    axes.map((axis) => ({ title: axis.title, log: axis.log, ticks: axis.ticks })),
    plotted(view, axes).map((t) => ({
      number: t.number,
      x: x.value(t)!,
      y: y.value(t)!,
      z: z.value(t)!,
      style: styleOf(t, state),
      selected: state.selected.has(t.number),
      label: describeTrial(t),
    })),
  );
}

/** The three 2-D projections of the front, each in its own element. */
export async function drawProjections(
  elements: HTMLElement[],
  view: StudyView,
  state: ChartState,
  onSelect: (trial: number) => void,
): Promise<void> {
  const axes = studyAxes(view);
  const pairs: [number, number][] =
    axes.length >= 3
      ? [
          [0, 2],
          [1, 2],
          [0, 1],
        ]
      : [[0, 1]];
  await Promise.all(
    pairs.map(async ([i, j], k) => {
      const element = elements[k];
      if (!element) return;
      const [x, y] = [axes[i], axes[j]];
      const trials = plotted(view, axes);
      const chart = await drawChart(
        element,
        tracesByStyle(trials, state, (t) => ({ x: x.value(t), y: y.value(t) })),
        {
          title: { text: `${y.title.split(" (")[0]} against ${x.title.split(" (")[0]}` },
          xaxis: axisLayout(x),
          yaxis: axisLayout(y),
          showlegend: k === 0,
          uirevision: `${view.id}-${k}`,
        },
      );
      onPick(chart, onSelect);
    }),
  );
}

/** Parallel coordinates: every searched parameter and the plotted metrics; Pareto trials in vermillion. */
export async function drawParallelCoordinates(
  element: HTMLElement,
  view: StudyView,
  state: ChartState,
): Promise<void> {
  const axes = studyAxes(view);
  const trials = plotted(view, axes);
  const dimensions: Record<string, unknown>[] = [];
  for (const parameter of view.parameters) {
    const values = trials.map((t) => t.params[parameter.name]);
    if (values.every((v) => v === undefined)) continue;
    if (parameter.kind === "categorical") {
      const choices = (parameter.choices ?? []).map(String);
      dimensions.push({
        label: parameter.name,
        values: values.map((v) => (v === undefined ? Number.NaN : choices.indexOf(String(v)))),
        tickvals: choices.map((_, i) => i),
        ticktext: choices,
        range: [-0.2, Math.max(choices.length - 1, 0) + 0.2],
      });
    } else {
      const log = parameter.log === true;
      const numbers = values.map((v) => (typeof v === "number" ? (log ? Math.log10(v) : v) : Number.NaN));
      dimensions.push({
        label: log ? `${parameter.name} (log₁₀)` : parameter.name,
        values: numbers,
        range: log
          ? [Math.log10(parameter.low ?? 1), Math.log10(parameter.high ?? 10)]
          : [parameter.low, parameter.high],
      });
    }
  }
  for (const axis of axes) {
    const values = trials.map((t) => axis.value(t) ?? Number.NaN);
    dimensions.push({
      label: axis.log ? `${axis.key} (log₁₀; top = ∞)` : axis.key,
      values: axis.log ? values.map((v) => Math.log10(v)) : values,
    });
  }
  await drawChart(
    element,
    [
      {
        type: "parcoords",
        line: {
          color: trials.map((t) => (state.front.has(t.number) ? 1 : 0)),
          colorscale: [
            [0, OKABE_ITO.skyBlue],
            [1, OKABE_ITO.vermillion],
          ],
          cmin: 0,
          cmax: 1,
        },
        dimensions,
      },
    ],
    {
      title: {
        text: "Parameters and metrics of every complete trial (Pareto trials in vermillion); drag an axis to filter",
      },
      margin: { l: 60, r: 60, t: 80, b: 30 },
    },
  );
}

/** Hypervolume of the front after each finished trial. */
export async function drawHypervolume(element: HTMLElement, view: StudyView): Promise<void> {
  await drawChart(
    element,
    [
      {
        type: "scatter",
        mode: "lines+markers",
        name: "hypervolume (validation)",
        x: view.hypervolumeHistory.map((p) => p.trial),
        y: view.hypervolumeHistory.map((p) => p.hypervolume),
        line: { color: OKABE_ITO.blue, shape: "hv" },
        marker: { symbol: "circle", size: 5, color: OKABE_ITO.blue },
      },
    ],
    {
      title: { text: "Hypervolume of the front against trials" },
      xaxis: { title: { text: "trial" } },
      yaxis: { title: { text: "hypervolume (unit cube)" }, rangemode: "tozero" },
      showlegend: false,
    },
  );
}
