/**
 * Static inline SVG charts, rendered as strings so that they show without
 * JavaScript and can be checked without a browser. Interaction (tooltips,
 * selecting a trial) is attached in the page by the client script through the
 * data-trial attributes.
 */

import { escapeHtml } from "./format.js";
import { type Axis, axisPosition, INFINITY_CAPTION } from "./scales.js";

export interface ScatterPoint {
  trial: number;
  x: number;
  y: number;
  pareto: boolean;
  /** Plain-text description: the SVG <title> (native tooltip, screen readers). */
  description: string;
}

export interface ChartFrame {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  xAxis: Axis;
  yAxis: Axis;
}

const WIDTH = 440;
const HEIGHT = 300;
const MARGIN = { left: 62, right: 18, top: 20, bottom: 46 };
const PLOT_WIDTH = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_HEIGHT = HEIGHT - MARGIN.top - MARGIN.bottom;

function px(position: number): number {
  return round(MARGIN.left + position * PLOT_WIDTH);
}

function py(position: number): number {
  return round(MARGIN.top + (1 - position) * PLOT_HEIGHT);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Grid, ticks, the ∞ break of an epsilon axis and the axis titles. */
function frameSvg(frame: ChartFrame): string {
  const parts: string[] = [];
  const left = MARGIN.left;
  const right = WIDTH - MARGIN.right;
  const top = MARGIN.top;
  const bottom = HEIGHT - MARGIN.bottom;
  parts.push(`<rect class="plot-bg" x="${left}" y="${top}" width="${PLOT_WIDTH}" height="${PLOT_HEIGHT}"/>`);
  for (const [axis, horizontal] of [
    [frame.xAxis, true],
    [frame.yAxis, false],
  ] as const) {
    if (axis.kind === "epsilon") {
      // The non-private slot is not on the log scale: shade it to mark the break.
      const start = (axis.finiteSpan + axis.infinityPosition) / 2;
      if (horizontal) {
        const x = px(start);
        parts.push(
          `<rect class="infinity-band" x="${x}" y="${top}" width="${round(right - x)}" height="${PLOT_HEIGHT}"/>`,
        );
        parts.push(
          `<text class="band-caption" x="${round((x + right) / 2)}" y="${top - 5}" text-anchor="middle">${INFINITY_CAPTION}</text>`,
        );
      } else {
        const y = py(start);
        parts.push(
          `<rect class="infinity-band" x="${left}" y="${top}" width="${PLOT_WIDTH}" height="${round(y - top)}"/>`,
        );
        parts.push(
          `<text class="band-caption" x="${right - 6}" y="${round((y + top) / 2 + 4)}" text-anchor="end">${INFINITY_CAPTION}</text>`,
        );
      }
    }
    const count = axis.ticks.length;
    axis.ticks.forEach((tick, index) => {
      const label = escapeHtml(tick.label);
      if (horizontal) {
        const x = px(tick.position);
        const anchor = index === count - 1 && tick.position > 0.97 ? "end" : "middle";
        parts.push(`<line class="grid" x1="${x}" y1="${top}" x2="${x}" y2="${bottom}"/>`);
        parts.push(`<text class="tick" x="${x}" y="${bottom + 16}" text-anchor="${anchor}">${label}</text>`);
      } else {
        const y = py(tick.position);
        parts.push(`<line class="grid" x1="${left}" y1="${y}" x2="${right}" y2="${y}"/>`);
        parts.push(`<text class="tick" x="${left - 6}" y="${y + 4}" text-anchor="end">${label}</text>`);
      }
    });
  }
  parts.push(`<line class="axis" x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}"/>`);
  parts.push(`<line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${bottom}"/>`);
  parts.push(
    `<text class="axis-title" x="${round(left + PLOT_WIDTH / 2)}" y="${HEIGHT - 8}" text-anchor="middle">${escapeHtml(frame.xLabel)}</text>`,
  );
  parts.push(
    `<text class="axis-title" transform="translate(15 ${round(top + PLOT_HEIGHT / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(frame.yLabel)}</text>`,
  );
  return parts.join("");
}

function openSvg(frame: ChartFrame, className: string): string {
  return (
    `<svg class="${className}" id="${frame.id}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${frame.id}-title">` +
    `<title id="${frame.id}-title">${escapeHtml(frame.title)}</title>`
  );
}

/** A 2-D projection of the trials: dominated points under Pareto points, one circle per point. */
export function scatterSvg(frame: ChartFrame, points: ScatterPoint[]): string {
  const ordered = [...points.filter((point) => !point.pareto), ...points.filter((point) => point.pareto)];
  const markers = ordered.map((point) => {
    const x = px(axisPosition(frame.xAxis, point.x));
    const y = py(axisPosition(frame.yAxis, point.y));
    const kind = point.pareto ? "pareto" : "dominated";
    const radius = point.pareto ? 5.5 : 4;
    return `<circle class="marker ${kind}" data-trial="${point.trial}" cx="${x}" cy="${y}" r="${radius}"><title>${escapeHtml(point.description)}</title></circle>`;
  });
  return `${openSvg(frame, "chart projection")}${frameSvg(frame)}<g class="markers">${markers.join("")}</g></svg>`;
}

export interface LineSeriesPoint {
  x: number;
  y: number;
}

/**
 * A step line (the value holds until the next point, as a running best does),
 * with an optional extra point drawn as a diamond (e.g. the final test value).
 */
export function stepLineSvg(
  frame: ChartFrame,
  series: LineSeriesPoint[],
  extra?: { point: LineSeriesPoint; description: string },
): string {
  const body: string[] = [frameSvg(frame)];
  if (series.length === 0) {
    body.push(
      `<text class="empty" x="${round(MARGIN.left + PLOT_WIDTH / 2)}" y="${round(MARGIN.top + PLOT_HEIGHT / 2)}" text-anchor="middle">no data yet</text>`,
    );
  } else {
    const sorted = [...series].sort((a, b) => a.x - b.x);
    const commands: string[] = [];
    sorted.forEach((point, index) => {
      const x = px(axisPosition(frame.xAxis, point.x));
      const y = py(axisPosition(frame.yAxis, point.y));
      if (index === 0) commands.push(`M${x} ${y}`);
      else commands.push(`H${x}V${y}`);
    });
    const last = sorted[sorted.length - 1];
    commands.push(`H${px(1)}`);
    body.push(`<path class="series" d="${commands.join("")}"/>`);
    body.push(
      `<circle class="series-end" cx="${px(axisPosition(frame.xAxis, last.x))}" cy="${py(axisPosition(frame.yAxis, last.y))}" r="3.5"/>`,
    );
  }
  if (extra && Number.isFinite(extra.point.y)) {
    const x = px(axisPosition(frame.xAxis, extra.point.x));
    const y = py(axisPosition(frame.yAxis, extra.point.y));
    body.push(
      `<path class="extra-point" d="M${x} ${round(y - 6)}L${round(x + 6)} ${y}L${x} ${round(y + 6)}L${round(x - 6)} ${y}Z"><title>${escapeHtml(extra.description)}</title></path>`,
    );
  }
  return `${openSvg(frame, "chart line-chart")}${body.join("")}</svg>`;
}
