/**
 * Axes shared by the SVG charts (drawn here) and the 3-D canvas (drawn in the
 * browser from the same Axis values), so both place a point identically.
 * A position is in [0, 1] along the axis.
 */

export interface Tick {
  value: number;
  label: string;
  position: number;
}

export interface LinearAxis {
  kind: "linear";
  min: number;
  max: number;
  ticks: Tick[];
}

/**
 * log10 epsilon over [10^minExponent, 10^maxExponent] on the first
 * `finiteSpan` of the axis; a non-private model (epsilon = Infinity) sits near
 * the far end, at `infinityPosition`, past a visible break.
 */
export interface EpsilonAxis {
  kind: "epsilon";
  minExponent: number;
  maxExponent: number;
  finiteSpan: number;
  infinityPosition: number;
  ticks: Tick[];
}

export type Axis = LinearAxis | EpsilonAxis;

export const INFINITY_TICK = "∞";
export const INFINITY_CAPTION = "non-private";
const FINITE_SPAN = 0.82;
const INFINITY_POSITION = 0.95;

/** A step of 1, 2 or 5 times a power of ten giving about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const multiple = fraction <= 1.5 ? 1 : fraction <= 3 ? 2 : fraction <= 7 ? 5 : 10;
  return multiple * power;
}

function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/** A linear axis covering the finite values, widened to round numbers and clamped to [lower, upper]. */
export function linearAxis(
  values: number[],
  bounds: { lower?: number; upper?: number; includeZero?: boolean } = {},
): LinearAxis {
  const finite = values.filter(Number.isFinite);
  let low = finite.length > 0 ? Math.min(...finite) : 0;
  let high = finite.length > 0 ? Math.max(...finite) : 1;
  if (bounds.includeZero) low = Math.min(low, 0);
  if (high - low < 1e-9) {
    const pad = Math.abs(high) > 0 ? Math.abs(high) * 0.05 : 0.05;
    low -= pad;
    high += pad;
  }
  const step = niceStep(high - low, 5);
  let min = Math.floor(low / step + 1e-9) * step;
  let max = Math.ceil(high / step - 1e-9) * step;
  if (bounds.lower !== undefined) min = Math.max(min, bounds.lower);
  if (bounds.upper !== undefined) max = Math.min(max, bounds.upper);
  const decimals = decimalsOf(step);
  const ticks: Tick[] = [];
  for (let value = Math.ceil(min / step - 1e-9) * step; value <= max + step * 1e-6; value += step) {
    const rounded = Number(value.toFixed(decimals + 2));
    ticks.push({ value: rounded, label: rounded.toFixed(decimals), position: (rounded - min) / (max - min) });
  }
  return { kind: "linear", min, max, ticks };
}

function exponentLabel(exponent: number, mantissa: number): string {
  const value = mantissa * 10 ** exponent;
  if (exponent >= -3 && exponent <= 4) return String(Number(value.toPrecision(3)));
  return `${mantissa}e${exponent}`;
}

/** Decades spanning the finite epsilons (0.1 to 100 when there are none), plus the ∞ slot. */
export function epsilonAxis(epsilons: number[]): EpsilonAxis {
  const finite = epsilons.filter((value) => Number.isFinite(value) && value > 0);
  let minExponent = -1;
  let maxExponent = 2;
  if (finite.length > 0) {
    minExponent = Math.floor(Math.log10(Math.min(...finite)) + 1e-9);
    maxExponent = Math.ceil(Math.log10(Math.max(...finite)) - 1e-9);
    if (maxExponent <= minExponent) maxExponent = minExponent + 1;
  }
  const axis: EpsilonAxis = {
    kind: "epsilon",
    minExponent,
    maxExponent,
    finiteSpan: FINITE_SPAN,
    infinityPosition: INFINITY_POSITION,
    ticks: [],
  };
  const decades = maxExponent - minExponent;
  const mantissas = decades <= 2 ? [1, 2, 5] : [1];
  const decadeStride = Math.max(1, Math.ceil(decades / 6));
  for (let exponent = minExponent; exponent <= maxExponent; exponent++) {
    for (const mantissa of mantissas) {
      if (mantissa === 1 && (exponent - minExponent) % decadeStride !== 0) continue;
      const value = mantissa * 10 ** exponent;
      if (value > 10 ** maxExponent * (1 + 1e-9)) continue;
      axis.ticks.push({
        value,
        label: exponentLabel(exponent, mantissa),
        position: axisPosition(axis, value),
      });
    }
  }
  axis.ticks.push({ value: Number.POSITIVE_INFINITY, label: INFINITY_TICK, position: INFINITY_POSITION });
  return axis;
}

/** Where `value` falls along `axis`, in [0, 1] (values outside the domain are clamped). */
export function axisPosition(axis: Axis, value: number): number {
  if (axis.kind === "linear") {
    const position = (value - axis.min) / (axis.max - axis.min);
    return Math.min(1, Math.max(0, position));
  }
  if (value === Number.POSITIVE_INFINITY) return axis.infinityPosition;
  if (!(value > 0)) return 0;
  const fraction = (Math.log10(value) - axis.minExponent) / (axis.maxExponent - axis.minExponent);
  return Math.min(1, Math.max(0, fraction)) * axis.finiteSpan;
}
