/**
 * The maths of the 3-D front's canvas view, as pure functions: scaling each axis
 * into the unit cube [-1, 1]³ (log₁₀ for a log axis), an orbit rotation (yaw about
 * the vertical axis, then pitch), an orthographic projection to the screen, tick
 * positions, and the nearest projected point to the pointer.
 *
 * Orthographic rather than perspective: the front is read by comparing positions
 * along the axes, which perspective would distort with depth (Plotly's default
 * 3-D camera is perspective; its orthographic mode exists for the same reason).
 */

export interface Orbit {
  /** Rotation about the vertical (z) axis, radians. */
  yaw: number;
  /** Tilt of the view towards the top, radians, within ±π/2. */
  pitch: number;
  /** Magnification: 1 fits the cube's bounding sphere into the canvas. */
  zoom: number;
}

export const DEFAULT_ORBIT: Orbit = { yaw: -Math.PI / 4, pitch: 0.45, zoom: 1 };

/** Pitch is kept short of ±π/2, where yaw would no longer turn the view (gimbal lock). */
export const PITCH_LIMIT = Math.PI / 2 - 0.01;
export const ZOOM_LIMITS = [0.4, 6] as const;

export function clampOrbit(orbit: Orbit): Orbit {
  return {
    yaw: orbit.yaw,
    pitch: Math.min(PITCH_LIMIT, Math.max(-PITCH_LIMIT, orbit.pitch)),
    zoom: Math.min(ZOOM_LIMITS[1], Math.max(ZOOM_LIMITS[0], orbit.zoom)),
  };
}

/**
 * The 3×3 rotation (row-major) taking cube coordinates to view coordinates:
 * first yaw about z, then pitch about the view's horizontal axis. Row 0 is the
 * screen's right, row 1 the screen's up, row 2 points at the viewer.
 */
export function orbitMatrix(orbit: Pick<Orbit, "yaw" | "pitch">): number[] {
  const cy = Math.cos(orbit.yaw);
  const sy = Math.sin(orbit.yaw);
  const cp = Math.cos(orbit.pitch);
  const sp = Math.sin(orbit.pitch);
  // R = Rx(pitch − π/2) · Rz(yaw): with pitch 0 the viewer looks along +y with z up.
  return [cy, -sy, 0, sp * sy, sp * cy, cp, -cp * sy, -cp * cy, sp];
}

export interface Viewport {
  width: number;
  height: number;
}

export interface Projected {
  x: number;
  y: number;
  /** Larger is nearer the viewer. */
  depth: number;
}

/** The scale (pixels per cube unit) at which the cube's bounding sphere (radius √3) fits the viewport. */
export function fitScale(viewport: Viewport, zoom: number): number {
  return (zoom * 0.5 * Math.min(viewport.width, viewport.height)) / Math.sqrt(3);
}

/** Projects a point of the cube to the screen (y down, as canvas coordinates are). */
export function project(
  point: readonly [number, number, number],
  matrix: readonly number[],
  viewport: Viewport,
  scale: number,
): Projected {
  const [x, y, z] = point;
  const right = matrix[0] * x + matrix[1] * y + matrix[2] * z;
  const up = matrix[3] * x + matrix[4] * y + matrix[5] * z;
  const depth = matrix[6] * x + matrix[7] * y + matrix[8] * z;
  return { x: viewport.width / 2 + scale * right, y: viewport.height / 2 - scale * up, depth };
}

/** An axis's range in data units (log₁₀ units for a log axis), padded so points do not sit on the walls. */
export interface AxisScale {
  low: number;
  high: number;
  log: boolean;
}

export function axisScale(values: readonly number[], log: boolean, pad = 0.04): AxisScale {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    const u = log ? Math.log10(v) : v;
    if (!Number.isFinite(u)) continue;
    if (u < low) low = u;
    if (u > high) high = u;
  }
  if (low > high) return { low: 0, high: 1, log };
  if (low === high) return { low: low - 0.5, high: high + 0.5, log };
  const margin = (high - low) * pad;
  return { low: low - margin, high: high + margin, log };
}

/** A data value's place on the cube's axis, in [-1, 1] inside the range (NaN for a non-positive value on a log axis). */
export function toCube(value: number, scale: AxisScale): number {
  const u = scale.log ? Math.log10(value) : value;
  return (2 * (u - scale.low)) / (scale.high - scale.low) - 1;
}

/**
 * About `count` round tick values (1, 2 or 5 × 10ᵏ apart) inside [low, high]
 * (Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990).
 */
export function niceTicks(low: number, high: number, count = 5): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
  const ticks: number[] = [];
  for (let k = Math.ceil(low / step); k * step <= high + step * 1e-9; k++) {
    // Rounded to the step's decimals, so 0.1 + 0.2 prints as 0.3.
    ticks.push(Number((k * step).toFixed(Math.max(0, -Math.floor(Math.log10(step))))));
  }
  return ticks;
}

/**
 * The index of the screen point nearest to (x, y) within `radius` pixels, or -1.
 * Among points at the same place the nearer the viewer wins, as it is drawn on top.
 */
export function nearestPoint(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  depths: ArrayLike<number>,
  x: number,
  y: number,
  radius: number,
): number {
  let best = -1;
  let bestDistance = radius * radius;
  for (let i = 0; i < xs.length; i++) {
    const dx = xs[i] - x;
    const dy = ys[i] - y;
    const distance = dx * dx + dy * dy;
    if (distance < bestDistance || (distance === bestDistance && best >= 0 && depths[i] > depths[best])) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}
