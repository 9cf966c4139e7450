/**
 * The rotatable 3-D Pareto front, drawn with Canvas 2D.
 *
 * Plotly's 3-D scatter (WebGL, stack.gl) was unusable without a GPU: measured in
 * headless chromium on SwiftShader with a 1,000-trial study, once the pointer was
 * over the scene Plotly re-rendered it in a continuous animation loop on a canvas
 * of twice the CSS pixels (2,642 × 1,040), re-uploaded vertex buffers (~27
 * bufferData calls a second) and read a picking pass back with readPixels after
 * every frame (~33 ms each, a full pipeline stall): 1,000+ readbacks in 35 s, and
 * the page never acknowledged a single mouse move in 5 minutes. Here the points
 * are projected once per frame on the CPU (1,000 points: a few thousand flops),
 * drawn as one path per style, and a frame is drawn only when something changed
 * (a drag, the wheel, a key, hover, new data), coalesced to one per animation
 * frame. Hover is a nearest-point search over the projected points: no readback.
 *
 * It keeps what the Plotly chart offered users: rotate (drag, or arrow keys), zoom
 * (wheel, or + and −), hover (a tooltip naming the trial), select (click, or Enter
 * on the trial reached with Page Up / Page Down), the Okabe–Ito colours with
 * shapes, axis titles and ticks (ε on a log axis with ∞ labelled), and PNG export.
 */
import { h, uniqueId } from "./dom.js";
import { TRIAL_STYLE, type TrialStyleName } from "./palette.js";
import {
  type AxisScale,
  axisScale,
  clampOrbit,
  DEFAULT_ORBIT,
  fitScale,
  nearestPoint,
  niceTicks,
  type Orbit,
  orbitMatrix,
  project,
  toCube,
} from "./projection.js";

export interface FrontAxis {
  title: string;
  log: boolean;
  /** Tick values (data units) and labels, when the axis has its own (ε's decades and ∞). */
  ticks?: { values: number[]; labels: string[] };
}

export interface FrontPoint {
  /** The trial's number, handed to `onSelect`. */
  number: number;
  /** Data coordinates along the three axes. */
  x: number;
  y: number;
  z: number;
  style: TrialStyleName;
  selected: boolean;
  /** What the tooltip says. */
  label: string;
}

/** Drawn back to front: the front (vermillion diamonds) on top of the dominated trials. */
const LAYERS: TrialStyleName[] = ["filteredOut", "infeasible", "dominated", "pareto"];
const HOVER_RADIUS = 10;
const ROTATE_PER_PIXEL = 0.008;
const KEY_STEP = Math.PI / 36;

export class Front3d {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly tooltip: HTMLElement;
  private readonly status: HTMLElement;
  private axes: FrontAxis[] = [];
  private scales: AxisScale[] = [];
  private points: FrontPoint[] = [];
  /** Cube coordinates of the points, xyz interleaved. */
  private cube = new Float64Array(0);
  /** Screen coordinates and depth of the points at the last frame (CSS pixels). */
  private screenX = new Float64Array(0);
  private screenY = new Float64Array(0);
  private depth = new Float64Array(0);
  private orbit: Orbit = { ...DEFAULT_ORBIT };
  private hovered = -1;
  /** The trial Page Up / Page Down last reached: the keys go on from it wherever the mouse has been since. */
  private keyboardTrial: number | null = null;
  private pending = 0;
  private drag: { x: number; y: number; moved: number } | null = null;
  /** Frames drawn so far and the milliseconds spent drawing them: the frame-time probe reads both. */
  private draws = 0;
  private drawMs = 0;

  constructor(
    private readonly title: string,
    private readonly onSelect: (trial: number) => void,
  ) {
    const helpId = uniqueId("front-help");
    this.canvas = h("canvas", {
      tabindex: "0",
      // A widget with its own keys (arrows, Page Up/Down, Enter): "application" lets screen
      // readers pass them through; the live region below reads out the trial reached.
      role: "application",
      "aria-roledescription": "rotatable 3-D chart",
      "aria-label": `${title}; the trials table below holds the same data`,
      "aria-describedby": helpId,
    });
    this.tooltip = h("div", { class: "front-tooltip", role: "tooltip", hidden: true });
    this.status = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
    const save = h("button", { type: "button", class: "front-save" }, "Save as PNG");
    save.addEventListener("click", () => this.savePng());
    this.element = h(
      "div",
      { class: "front-3d" },
      h("h2", { class: "front-title" }, title),
      h("div", { class: "front-stage" }, this.canvas, this.tooltip),
      h(
        "div",
        { class: "front-foot" },
        h(
          "ul",
          { class: "front-legend", "aria-label": "legend" },
          [...LAYERS, "selected" as const].map((name) =>
            h(
              "li",
              {},
              h("span", { class: `glyph glyph-${name}`, style: `color: ${TRIAL_STYLE[name].colour}` }),
              TRIAL_STYLE[name].label,
            ),
          ),
        ),
        h(
          "p",
          { id: helpId, class: "hint" },
          "Drag or use the arrow keys to rotate, the wheel or + and − to zoom, 0 to reset. Hover, or Page Up / Page Down, to read a trial; click or Enter to pick it.",
        ),
        save,
      ),
      this.status,
    );
    this.listen();
    new ResizeObserver(() => this.request()).observe(this.canvas);
  }

  /** Replaces the points (and axes); the view's rotation and zoom are kept. */
  update(axes: FrontAxis[], points: FrontPoint[]): void {
    const previous = this.points[this.hovered]?.number;
    this.axes = axes;
    this.points = points;
    this.scales = [0, 1, 2].map((k) =>
      axisScale(
        points.map((p) => coordinate(p, k)),
        axes[k].log,
      ),
    );
    this.cube = new Float64Array(3 * points.length);
    points.forEach((p, i) => {
      for (let k = 0; k < 3; k++) this.cube[3 * i + k] = toCube(coordinate(p, k), this.scales[k]);
    });
    this.screenX = new Float64Array(points.length);
    this.screenY = new Float64Array(points.length);
    this.depth = new Float64Array(points.length);
    this.hovered = previous === undefined ? -1 : points.findIndex((p) => p.number === previous);
    this.element.dataset.points = String(points.length);
    // Drawn now rather than at the next animation frame: the page's Plotly charts, drawn
    // next, hold the main thread for seconds on a 1,000-trial study.
    if (this.pending) cancelAnimationFrame(this.pending);
    this.pending = 0;
    this.draw();
  }

  /** Schedules one frame; any number of requests before it draw it once. */
  private request(): void {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.draw();
    });
  }

  private draw(): void {
    const started = performance.now();
    if (!this.render()) return;
    this.draws++;
    this.drawMs += performance.now() - started;
    this.element.dataset.draws = String(this.draws);
    this.element.dataset.drawMs = this.drawMs.toFixed(2);
  }

  /** Draws the scene; false when there is nowhere to draw (the canvas is not laid out). */
  private render(): boolean {
    const canvas = this.canvas;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (width === 0 || height === 0) return false;
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const context = canvas.getContext("2d");
    if (!context) return false;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    const viewport = { width, height };
    const matrix = orbitMatrix(this.orbit);
    // The cube fits inside a margin that leaves room for the tick labels and axis titles.
    const scale = fitScale({ width: width - 200, height: height - 110 }, this.orbit.zoom);
    const at = (point: [number, number, number]) => project(point, matrix, viewport, scale);

    this.drawBox(context, at);
    for (let i = 0; i < this.points.length; i++) {
      const p = at([this.cube[3 * i], this.cube[3 * i + 1], this.cube[3 * i + 2]]);
      this.screenX[i] = p.x;
      this.screenY[i] = p.y;
      this.depth[i] = p.depth;
    }
    for (const layer of LAYERS) this.drawLayer(context, layer);
    this.drawSelected(context);
    this.drawHover(context);
    return true;
  }

  /** The cube's edges, the three axes with their ticks, and their titles. */
  private drawBox(
    context: CanvasRenderingContext2D,
    at: (point: [number, number, number]) => { x: number; y: number; depth: number },
  ): void {
    context.lineWidth = 1;
    context.strokeStyle = "#d0d0d0";
    context.beginPath();
    for (const [a, b] of CUBE_EDGES) {
      const p = at(a);
      const q = at(b);
      context.moveTo(p.x, p.y);
      context.lineTo(q.x, q.y);
    }
    context.stroke();
    context.font = "11px system-ui, sans-serif";
    context.fillStyle = "#1b1b1b";
    context.strokeStyle = "#555555";
    for (let k = 0; k < 3; k++) {
      // Each axis runs along the cube edge whose other coordinates are at their low end.
      const along = (t: number): [number, number, number] => {
        const point: [number, number, number] = [-1, -1, -1];
        point[k] = t;
        return point;
      };
      const start = at(along(-1));
      const end = at(along(1));
      context.beginPath();
      context.moveTo(start.x, start.y);
      context.lineTo(end.x, end.y);
      context.stroke();
      const { values, labels } = this.ticksOf(k);
      context.textAlign = "center";
      context.textBaseline = "middle";
      values.forEach((value, j) => {
        const t = toCube(value, this.scales[k]);
        if (!(t >= -1 && t <= 1)) return;
        const p = at(along(t));
        const outward = offsetFromCentre(p, at([0, 0, 0]), 14);
        context.fillText(labels[j], p.x + outward.x, p.y + outward.y);
      });
      // The title beyond the axis's far end, pushed away from the cube's centre past the tick labels.
      const titleOut = offsetFromCentre(end, at([0, 0, 0]), 30);
      context.font = "bold 12px system-ui, sans-serif";
      context.fillText(this.axes[k]?.title ?? "", end.x + titleOut.x, end.y + titleOut.y);
      context.font = "11px system-ui, sans-serif";
    }
  }

  private ticksOf(k: number): { values: number[]; labels: string[] } {
    const axis = this.axes[k];
    if (axis?.ticks) return axis.ticks;
    const scale = this.scales[k];
    if (!axis || !scale) return { values: [], labels: [] };
    const values = niceTicks(scale.low, scale.high, 5).map((u) => (scale.log ? 10 ** u : u));
    return { values, labels: values.map((v) => String(v)) };
  }

  private drawLayer(context: CanvasRenderingContext2D, layer: TrialStyleName): void {
    const style = TRIAL_STYLE[layer];
    const size = layer === "pareto" ? 6 : 4;
    context.globalAlpha = layer === "filteredOut" ? 0.5 : 0.95;
    context.beginPath();
    for (let i = 0; i < this.points.length; i++) {
      if (this.points[i].style !== layer) continue;
      marker(context, layer, this.screenX[i], this.screenY[i], size);
    }
    context.globalAlpha = 1;
    context.lineWidth = 1.5;
    context.strokeStyle = style.colour;
    context.fillStyle = style.colour;
    if (layer === "pareto") context.fill();
    context.stroke();
  }

  private drawSelected(context: CanvasRenderingContext2D): void {
    context.beginPath();
    for (let i = 0; i < this.points.length; i++) {
      if (!this.points[i].selected) continue;
      context.rect(this.screenX[i] - 9, this.screenY[i] - 9, 18, 18);
    }
    context.lineWidth = 3;
    context.strokeStyle = TRIAL_STYLE.selected.colour;
    context.stroke();
  }

  private drawHover(context: CanvasRenderingContext2D): void {
    const i = this.hovered;
    if (i < 0 || i >= this.points.length) {
      this.tooltip.hidden = true;
      return;
    }
    const x = this.screenX[i];
    const y = this.screenY[i];
    context.beginPath();
    context.arc(x, y, 10, 0, 2 * Math.PI);
    context.lineWidth = 2;
    context.strokeStyle = "#111111";
    context.stroke();
    this.tooltip.textContent = this.points[i].label;
    this.tooltip.hidden = false;
    const right = x > this.canvas.clientWidth / 2;
    this.tooltip.style.left = right ? "" : `${x + 14}px`;
    this.tooltip.style.right = right ? `${this.canvas.clientWidth - x + 14}px` : "";
    this.tooltip.style.top = `${Math.max(0, y - 12)}px`;
  }

  private setHovered(index: number, announce: boolean): void {
    if (index === this.hovered) return;
    this.hovered = index;
    if (announce && index >= 0) this.status.textContent = this.points[index].label;
    this.request();
  }

  private rotate(yaw: number, pitch: number): void {
    this.orbit = clampOrbit({ ...this.orbit, yaw: this.orbit.yaw + yaw, pitch: this.orbit.pitch + pitch });
    this.request();
  }

  private zoom(factor: number): void {
    this.orbit = clampOrbit({ ...this.orbit, zoom: this.orbit.zoom * factor });
    this.request();
  }

  private pointAt(event: PointerEvent | MouseEvent): number {
    const box = this.canvas.getBoundingClientRect();
    return nearestPoint(
      this.screenX,
      this.screenY,
      this.depth,
      event.clientX - box.left,
      event.clientY - box.top,
      HOVER_RADIUS,
    );
  }

  private listen(): void {
    const canvas = this.canvas;
    canvas.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      this.drag = { x: event.clientX, y: event.clientY, moved: 0 };
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (this.drag) {
        const dx = event.clientX - this.drag.x;
        const dy = event.clientY - this.drag.y;
        this.drag = {
          x: event.clientX,
          y: event.clientY,
          moved: this.drag.moved + Math.abs(dx) + Math.abs(dy),
        };
        this.hovered = -1;
        this.rotate(-dx * ROTATE_PER_PIXEL, dy * ROTATE_PER_PIXEL);
      } else {
        this.setHovered(this.pointAt(event), false);
      }
    });
    canvas.addEventListener("pointerup", (event) => {
      const drag = this.drag;
      this.drag = null;
      if (canvas.hasPointerCapture(event.pointerId)) canvas.releasePointerCapture(event.pointerId);
      // A press that barely moved is a click: pick the point under it.
      if (drag && drag.moved < 4) {
        const index = this.pointAt(event);
        if (index >= 0) this.onSelect(this.points[index].number);
      }
    });
    canvas.addEventListener("pointerleave", () => {
      if (!this.drag) this.setHovered(-1, false);
    });
    canvas.addEventListener(
      "wheel",
      (event) => {
        event.preventDefault();
        this.zoom(Math.exp(-event.deltaY * 0.0015));
      },
      { passive: false },
    );
    canvas.addEventListener("keydown", (event) => {
      const handled = this.key(event.key);
      if (handled) event.preventDefault();
    });
  }

  private key(key: string): boolean {
    switch (key) {
      case "ArrowLeft":
        this.rotate(KEY_STEP, 0);
        return true;
      case "ArrowRight":
        this.rotate(-KEY_STEP, 0);
        return true;
      case "ArrowUp":
        this.rotate(0, KEY_STEP);
        return true;
      case "ArrowDown":
        this.rotate(0, -KEY_STEP);
        return true;
      case "+":
      case "=":
        this.zoom(1.2);
        return true;
      case "-":
      case "_":
        this.zoom(1 / 1.2);
        return true;
      case "0":
        this.orbit = { ...DEFAULT_ORBIT };
        this.request();
        return true;
      case "PageDown":
      case "PageUp": {
        const order = this.keyboardOrder();
        if (order.length === 0) return true;
        const at = order.findIndex((i) => this.points[i].number === this.keyboardTrial);
        const step = key === "PageDown" ? 1 : -1;
        const next = at < 0 ? (step > 0 ? 0 : order.length - 1) : (at + step + order.length) % order.length;
        this.keyboardTrial = this.points[order[next]].number;
        this.setHovered(order[next], true);
        return true;
      }
      case "Enter":
        if (this.hovered >= 0) this.onSelect(this.points[this.hovered].number);
        return true;
      default:
        return false;
    }
  }

  /** Page Down visits the front's trials first (by trial number), then the others. */
  private keyboardOrder(): number[] {
    const indices = this.points.map((_, i) => i);
    const rank = (i: number) => (this.points[i].style === "pareto" ? 0 : 1);
    return indices.sort((a, b) => rank(a) - rank(b) || this.points[a].number - this.points[b].number);
  }

  private savePng(): void {
    const link = h("a", { href: this.canvas.toDataURL("image/png"), download: "pareto-front-3d.png" });
    link.click();
  }
}

function coordinate(point: FrontPoint, k: number): number {
  return k === 0 ? point.x : k === 1 ? point.y : point.z;
}

/** The twelve edges of the cube [-1, 1]³. */
const CUBE_EDGES: [[number, number, number], [number, number, number]][] = (() => {
  const edges: [[number, number, number], [number, number, number]][] = [];
  for (let k = 0; k < 3; k++) {
    for (const a of [-1, 1]) {
      for (const b of [-1, 1]) {
        const from: [number, number, number] = [0, 0, 0];
        const to: [number, number, number] = [0, 0, 0];
        const [i, j] = [0, 1, 2].filter((m) => m !== k);
        from[i] = a;
        from[j] = b;
        to[i] = a;
        to[j] = b;
        from[k] = -1;
        to[k] = 1;
        edges.push([from, to]);
      }
    }
  }
  return edges;
})();

function offsetFromCentre(
  point: { x: number; y: number },
  centre: { x: number; y: number },
  distance: number,
): { x: number; y: number } {
  const dx = point.x - centre.x;
  const dy = point.y - centre.y;
  const length = Math.hypot(dx, dy) || 1;
  return { x: (distance * dx) / length, y: (distance * dy) / length };
}

/** Adds one marker's outline to the current path: the shapes of palette.ts's symbol3d. */
function marker(
  context: CanvasRenderingContext2D,
  layer: TrialStyleName,
  x: number,
  y: number,
  r: number,
): void {
  switch (TRIAL_STYLE[layer].symbol3d) {
    case "diamond":
      context.moveTo(x, y - r);
      context.lineTo(x + r, y);
      context.lineTo(x, y + r);
      context.lineTo(x - r, y);
      context.closePath();
      return;
    case "x":
      context.moveTo(x - r, y - r);
      context.lineTo(x + r, y + r);
      context.moveTo(x + r, y - r);
      context.lineTo(x - r, y + r);
      return;
    default:
      context.moveTo(x + r, y);
      context.arc(x, y, r, 0, 2 * Math.PI);
  }
}
