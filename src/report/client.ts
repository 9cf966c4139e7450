/**
 * The report's in-page script. It is written as one self-contained function so
 * that the type checker and the linter see it, and it is inlined into the HTML
 * through Function.prototype.toString: it must not refer to anything outside its
 * own body except browser globals (types are erased, so importing types is fine).
 *
 * It reads the JSON embedded by renderHtmlReport, draws the rotatable 3-D front on
 * a canvas, and wires tooltips and trial selection on the SVG charts and tables.
 */

interface ClientTick {
  label: string;
  position: number;
}

interface ClientAxis {
  kind: "linear" | "epsilon";
  finiteSpan?: number;
  infinityPosition?: number;
  min?: number;
  max?: number;
  minExponent?: number;
  maxExponent?: number;
  ticks: ClientTick[];
}

type JsonNumber = number | string | null;

interface ClientGroup {
  count: number;
  accuracy: JsonNumber;
  selectionRate: JsonNumber;
  tpr: JsonNumber;
  fpr: JsonNumber;
}

interface ClientMetrics {
  accuracy: JsonNumber;
  epsilon: JsonNumber;
  dpDifference: JsonNumber;
  eoDifference: JsonNumber;
  perGroup: Record<string, Record<string, ClientGroup>>;
  normalised?: { e: JsonNumber; p: JsonNumber; u: JsonNumber };
}

interface ClientTrial {
  number: number;
  state: string;
  params: Record<string, number | string | boolean>;
  validation?: ClientMetrics;
  test?: ClientMetrics;
  onPareto: boolean;
  error?: string;
  durationSeconds: JsonNumber;
}

interface ClientPayload {
  trials: ClientTrial[];
  axes: { accuracy: ClientAxis; epsilon: ClientAxis; gap: ClientAxis };
  gap: "dpDifference" | "eoDifference";
  gapLabel: string;
  initialTrial: number | null;
}

export function reportClient(): void {
  const dataElement = document.getElementById("report-data");
  if (!dataElement) return;
  const payload = JSON.parse(dataElement.textContent ?? "{}") as ClientPayload;
  const trialsByNumber = new Map<number, ClientTrial>();
  for (const trial of payload.trials) trialsByNumber.set(trial.number, trial);
  const PARETO_COLOUR = "#1d4ed8";
  const DOMINATED_COLOUR = "#98a2b3";
  const INK = "#1f2937";

  function toNumber(value: JsonNumber, whenNull: number): number {
    if (value === null) return whenNull;
    return typeof value === "number" ? value : Number(value);
  }
  const rate = (value: JsonNumber | undefined) =>
    value === undefined ? Number.NaN : toNumber(value, Number.NaN);
  const epsilonOf = (metrics: ClientMetrics) => toNumber(metrics.epsilon, Number.POSITIVE_INFINITY);
  const gapOf = (metrics: ClientMetrics) => rate(metrics[payload.gap]);

  function formatRate(value: number): string {
    return Number.isFinite(value) ? value.toFixed(4) : "–";
  }
  function formatEpsilon(value: number): string {
    if (Number.isNaN(value)) return "–";
    if (value === Number.POSITIVE_INFINITY) return "∞";
    return value >= 100 ? value.toFixed(0) : String(Number(value.toPrecision(3)));
  }
  function formatParam(value: number | string | boolean): string {
    if (typeof value !== "number" || Number.isInteger(value)) return String(value);
    const magnitude = Math.abs(value);
    if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return value.toExponential(2);
    return String(Number(value.toPrecision(4)));
  }

  function position(axis: ClientAxis, value: number): number {
    if (axis.kind === "linear") {
      const min = axis.min ?? 0;
      const max = axis.max ?? 1;
      return Math.min(1, Math.max(0, (value - min) / (max - min)));
    }
    if (value === Number.POSITIVE_INFINITY) return axis.infinityPosition ?? 1;
    if (!(value > 0)) return 0;
    const low = axis.minExponent ?? -1;
    const high = axis.maxExponent ?? 2;
    const fraction = (Math.log10(value) - low) / (high - low);
    return Math.min(1, Math.max(0, fraction)) * (axis.finiteSpan ?? 1);
  }

  function element(
    tag: string,
    attributes: Record<string, string> = {},
    children: (Node | string)[] = [],
  ): HTMLElement {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    for (const child of children) node.append(child);
    return node;
  }

  function summary(trial: ClientTrial): string {
    const kind = trial.state !== "complete" ? trial.state : trial.onPareto ? "Pareto" : "dominated";
    const lines = [`Trial ${trial.number} · ${kind}`];
    if (trial.validation) {
      const v = trial.validation;
      lines.push(`accuracy ${formatRate(rate(v.accuracy))}`);
      const epsilon = epsilonOf(v);
      lines.push(
        `ε ${formatEpsilon(epsilon)}${epsilon === Number.POSITIVE_INFINITY ? " (non-private)" : ""}`,
      );
      lines.push(`${payload.gapLabel} ${formatRate(gapOf(v))}`);
    }
    return lines.join("\n");
  }

  // Tooltip shared by the canvas and the SVG markers.
  const tooltip = document.getElementById("tooltip") as HTMLElement;
  function showTooltip(trial: ClientTrial, clientX: number, clientY: number): void {
    tooltip.textContent = summary(trial);
    tooltip.hidden = false;
    const width = tooltip.offsetWidth;
    const height = tooltip.offsetHeight;
    const left = Math.min(clientX + 14, window.innerWidth - width - 8);
    const top = clientY + 14 + height > window.innerHeight ? clientY - height - 10 : clientY + 14;
    tooltip.style.left = `${Math.max(4, left)}px`;
    tooltip.style.top = `${Math.max(4, top)}px`;
  }
  function hideTooltip(): void {
    tooltip.hidden = true;
  }

  // The selected-trial panel.
  const panel = document.getElementById("trial-panel") as HTMLElement;
  let selected: number | null = null;

  function metricsTable(trial: ClientTrial): HTMLElement {
    const rows: [string, (m: ClientMetrics) => string][] = [
      ["accuracy", (m) => formatRate(rate(m.accuracy))],
      ["ε (epsilon)", (m) => formatEpsilon(epsilonOf(m))],
      ["DP difference", (m) => formatRate(rate(m.dpDifference))],
      ["EO difference", (m) => formatRate(rate(m.eoDifference))],
    ];
    const head = element("tr", {}, [
      element("th", { scope: "col" }, ["metric"]),
      element("th", { scope: "col" }, ["validation"]),
    ]);
    if (trial.test) head.append(element("th", { scope: "col" }, ["test"]));
    const body = rows.map(([name, read]) => {
      const row = element("tr", {}, [
        element("th", { scope: "row" }, [name]),
        element("td", {}, [trial.validation ? read(trial.validation) : "–"]),
      ]);
      if (trial.test) row.append(element("td", {}, [read(trial.test)]));
      return row;
    });
    return element("table", { class: "compact metrics" }, [
      element("thead", {}, [head]),
      element("tbody", {}, body),
    ]);
  }

  function groupTable(attribute: string, split: string, groups: Record<string, ClientGroup>): HTMLElement {
    const columns: [string, string][] = [
      ["group", "group"],
      ["n", "examples"],
      ["acc.", "accuracy"],
      ["sel.", "selection rate"],
      ["TPR", "true positive rate"],
      ["FPR", "false positive rate"],
    ];
    const head = element(
      "tr",
      {},
      columns.map(([name, title]) => element("th", { scope: "col", title }, [name])),
    );
    const groupRate = (value: JsonNumber) => {
      const number = rate(value);
      return Number.isFinite(number) ? number.toFixed(3) : "–";
    };
    const body = Object.entries(groups).map(([group, metrics]) =>
      element("tr", { "data-group": group }, [
        element("th", { scope: "row" }, [group]),
        element("td", {}, [String(metrics.count)]),
        element("td", {}, [groupRate(metrics.accuracy)]),
        element("td", {}, [groupRate(metrics.selectionRate)]),
        element("td", {}, [groupRate(metrics.tpr)]),
        element("td", {}, [groupRate(metrics.fpr)]),
      ]),
    );
    return element(
      "table",
      { class: "compact per-group", "data-attribute": attribute, "data-split": split },
      [
        element("caption", {}, [`${attribute} · ${split}`]),
        element("thead", {}, [head]),
        element("tbody", {}, body),
      ],
    );
  }

  function renderPanel(trial: ClientTrial): void {
    const kind = trial.state !== "complete" ? trial.state : trial.onPareto ? "Pareto" : "dominated";
    const children: (Node | string)[] = [
      element("h2", {}, [
        `Trial ${trial.number} `,
        element("span", { class: `badge badge-${kind.toLowerCase()}` }, [kind]),
      ]),
    ];
    if (trial.error) children.push(element("p", { class: "error" }, [trial.error]));
    const params = Object.entries(trial.params).map(([name, value]) =>
      element("div", {}, [element("dt", {}, [name]), element("dd", {}, [formatParam(value)])]),
    );
    children.push(element("h3", {}, ["Parameters"]), element("dl", { class: "params" }, params));
    if (trial.validation) {
      children.push(element("h3", {}, ["Metrics"]), metricsTable(trial));
      children.push(
        element("h3", {}, ["Per group"]),
        element("p", { class: "hint" }, [
          "acc. = accuracy, sel. = selection rate, TPR / FPR = true / false positive rate",
        ]),
      );
      for (const [split, metrics] of [
        ["validation", trial.validation],
        ["test", trial.test],
      ] as const) {
        if (!metrics) continue;
        for (const [attribute, groups] of Object.entries(metrics.perGroup))
          children.push(groupTable(attribute, split, groups));
      }
      if (!trial.test)
        children.push(
          element("p", { class: "muted" }, ["Only Pareto trials are evaluated on the test split."]),
        );
    } else if (trial.state !== "failed") {
      children.push(element("p", { class: "muted" }, ["No metrics yet."]));
    }
    panel.replaceChildren(...children);
    panel.dataset.selectedTrial = String(trial.number);
  }

  function selectTrial(number: number): void {
    const trial = trialsByNumber.get(number);
    if (!trial) return;
    selected = number;
    renderPanel(trial);
    for (const node of Array.from(document.querySelectorAll<HTMLElement | SVGElement>("[data-trial]"))) {
      const isSelected = node.dataset.trial === String(number);
      node.classList.toggle("selected", isSelected);
      if (node.tagName === "TR") node.setAttribute("aria-selected", String(isSelected));
      if (isSelected && node instanceof SVGElement && node.parentNode) node.parentNode.appendChild(node);
    }
    drawFront();
  }

  // The 3-D front: hand-written rotation and perspective on a 2-D canvas.
  const canvas = document.getElementById("front-canvas") as HTMLCanvasElement | null;
  const context = canvas?.getContext("2d") ?? null;
  let yaw = -0.5;
  let pitch = 0.32;
  const DEFAULT_VIEW = [yaw, pitch];
  interface Projected {
    x: number;
    y: number;
    depth: number;
  }
  interface PlacedPoint extends Projected {
    trial: ClientTrial;
  }
  let placed: PlacedPoint[] = [];
  let hovered: number | null = null;

  const plotted = payload.trials
    .filter((trial) => trial.state === "complete" && trial.validation)
    .map((trial) => {
      const v = trial.validation as ClientMetrics;
      return {
        trial,
        cube: [
          position(payload.axes.epsilon, epsilonOf(v)) - 0.5,
          position(payload.axes.accuracy, rate(v.accuracy)) - 0.5,
          0.5 - position(payload.axes.gap, gapOf(v)),
        ] as [number, number, number],
      };
    });

  function drawFront(): void {
    if (!canvas || !context) return;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const ctx = context;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const scale = Math.min(width, height) * 0.56;
    const centreX = width / 2;
    const centreY = height / 2 - 18;
    const cosYaw = Math.cos(yaw);
    const sinYaw = Math.sin(yaw);
    const cosPitch = Math.cos(pitch);
    const sinPitch = Math.sin(pitch);
    const project = (x: number, y: number, z: number): Projected => {
      const x1 = x * cosYaw + z * sinYaw;
      const z1 = -x * sinYaw + z * cosYaw;
      const y2 = y * cosPitch - z1 * sinPitch;
      const z2 = y * sinPitch + z1 * cosPitch;
      const perspective = 3.2 / (3.2 - z2);
      return { x: centreX + x1 * scale * perspective, y: centreY - y2 * scale * perspective, depth: z2 };
    };
    const line = (a: Projected, b: Projected) => {
      ctx.beginPath();
      ctx.moveTo(a.x, a.y);
      ctx.lineTo(b.x, b.y);
      ctx.stroke();
    };
    const centre = project(0, 0, 0);
    // Labels go perpendicular to their axis on screen, on the side away from the
    // cube's centre, so labels of axes that meet at a corner do not collide.
    const awayFromAxis = (
      from: Projected,
      to: Projected,
      point: Projected,
      distance: number,
    ): [number, number] => {
      const dx = to.x - from.x;
      const dy = to.y - from.y;
      const length = Math.hypot(dx, dy) || 1;
      let nx = -dy / length;
      let ny = dx / length;
      const mid = { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 };
      if (nx * (mid.x - centre.x) + ny * (mid.y - centre.y) < 0) {
        nx = -nx;
        ny = -ny;
      }
      // Anchor the text on the side facing the axis so that long labels grow away from it.
      ctx.textAlign = nx > 0.35 ? "left" : nx < -0.35 ? "right" : "center";
      return [point.x + nx * distance, point.y + ny * distance];
    };

    // Floor grid and the non-private band (the ∞ slot is off the log scale).
    const epsilonAxis = payload.axes.epsilon;
    const bandStart = ((epsilonAxis.finiteSpan ?? 1) + (epsilonAxis.infinityPosition ?? 1)) / 2 - 0.5;
    ctx.fillStyle = "rgba(245, 158, 11, 0.12)";
    ctx.beginPath();
    const band = [
      project(bandStart, -0.5, -0.5),
      project(0.5, -0.5, -0.5),
      project(0.5, -0.5, 0.5),
      project(bandStart, -0.5, 0.5),
    ];
    ctx.moveTo(band[0].x, band[0].y);
    for (const corner of band.slice(1)) ctx.lineTo(corner.x, corner.y);
    ctx.closePath();
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#e5e7eb";
    for (const tick of epsilonAxis.ticks)
      line(project(tick.position - 0.5, -0.5, -0.5), project(tick.position - 0.5, -0.5, 0.5));
    for (const tick of payload.axes.gap.ticks)
      line(project(-0.5, -0.5, tick.position - 0.5), project(0.5, -0.5, tick.position - 0.5));
    for (const tick of payload.axes.accuracy.ticks)
      line(project(-0.5, tick.position - 0.5, -0.5), project(0.5, tick.position - 0.5, -0.5));

    // Cube edges, then the three axes from the corner where every objective is at its minimum.
    ctx.strokeStyle = "#d1d5db";
    const corners: [number, number, number][] = [];
    for (const x of [-0.5, 0.5])
      for (const y of [-0.5, 0.5]) for (const z of [-0.5, 0.5]) corners.push([x, y, z]);
    for (let i = 0; i < corners.length; i++) {
      for (let j = i + 1; j < corners.length; j++) {
        const differing = corners[i].filter((value, k) => value !== corners[j][k]).length;
        if (differing === 1) line(project(...corners[i]), project(...corners[j]));
      }
    }
    const axes: { axis: ClientAxis; title: string; at: (t: number) => [number, number, number] }[] = [
      { axis: payload.axes.epsilon, title: "ε (log scale)", at: (t) => [t - 0.5, -0.5, 0.5] },
      { axis: payload.axes.accuracy, title: "validation accuracy", at: (t) => [-0.5, t - 0.5, 0.5] },
      { axis: payload.axes.gap, title: payload.gapLabel, at: (t) => [0.5, -0.5, 0.5 - t] },
    ];
    ctx.font = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (const { axis, title, at } of axes) {
      const start = project(...at(0));
      const end = project(...at(1));
      ctx.strokeStyle = "#6b7280";
      ctx.lineWidth = 1.5;
      line(start, end);
      ctx.fillStyle = "#4b5563";
      for (const tick of axis.ticks) {
        const [x, y] = awayFromAxis(start, end, project(...at(tick.position)), 10);
        ctx.fillText(tick.label, x, y);
      }
      ctx.fillStyle = INK;
      ctx.font = "600 13px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
      const [x, y] = awayFromAxis(start, end, project(...at(0.5)), 48);
      ctx.fillText(title, x, y);
      ctx.font = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
    }
    const epsilonStart = project(...axes[0].at(0));
    const epsilonEnd = project(...axes[0].at(1));
    const infinityAt = project(...axes[0].at(epsilonAxis.infinityPosition ?? 1));
    const [captionX, captionY] = awayFromAxis(epsilonStart, epsilonEnd, infinityAt, 26);
    ctx.fillStyle = "#b45309";
    ctx.fillText("non-private", captionX, captionY);

    // Points, far to near, with drop lines to the floor for the Pareto ones.
    placed = plotted.map(({ trial, cube }) => ({ trial, ...project(...cube) }));
    const order = placed.map((_, index) => index).sort((a, b) => placed[a].depth - placed[b].depth);
    ctx.strokeStyle = "rgba(29, 78, 216, 0.35)";
    ctx.lineWidth = 1;
    for (const { trial, cube } of plotted) {
      if (trial.onPareto) line(project(...cube), project(cube[0], -0.5, cube[2]));
    }
    for (const index of order) {
      const point = placed[index];
      const pareto = point.trial.onPareto;
      ctx.beginPath();
      ctx.arc(point.x, point.y, pareto ? 6 : 4, 0, Math.PI * 2);
      ctx.fillStyle = pareto ? PARETO_COLOUR : DOMINATED_COLOUR;
      ctx.globalAlpha = pareto ? 1 : 0.75;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.lineWidth = pareto ? 1.5 : 1;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
      if (point.trial.number === selected || point.trial.number === hovered) {
        ctx.beginPath();
        ctx.arc(point.x, point.y, (pareto ? 6 : 4) + 4, 0, Math.PI * 2);
        ctx.lineWidth = 2;
        ctx.strokeStyle = point.trial.number === selected ? "#f59e0b" : INK;
        ctx.stroke();
      }
    }
    if (plotted.length === 0) {
      ctx.fillStyle = "#6b7280";
      ctx.font = "14px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.fillText("no complete trials yet", centreX, centreY);
    }
  }

  function nearestPoint(clientX: number, clientY: number): PlacedPoint | null {
    if (!canvas) return null;
    const box = canvas.getBoundingClientRect();
    const x = clientX - box.left;
    const y = clientY - box.top;
    let best: PlacedPoint | null = null;
    let bestDistance = 10;
    for (const point of placed) {
      const distance = Math.hypot(point.x - x, point.y - y);
      // Prefer the nearer-to-viewer point when two overlap on screen.
      if (distance < bestDistance || (best && distance === bestDistance && point.depth > best.depth)) {
        best = point;
        bestDistance = distance;
      }
    }
    return best;
  }

  if (canvas) {
    let drag: { x: number; y: number; moved: number } | null = null;
    canvas.addEventListener("pointerdown", (event) => {
      drag = { x: event.clientX, y: event.clientY, moved: 0 };
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (drag) {
        const dx = event.clientX - drag.x;
        const dy = event.clientY - drag.y;
        drag = { x: event.clientX, y: event.clientY, moved: drag.moved + Math.abs(dx) + Math.abs(dy) };
        if (drag.moved > 3) {
          yaw += dx * 0.01;
          pitch = Math.max(-1.45, Math.min(1.45, pitch + dy * 0.01));
          hideTooltip();
          drawFront();
          return;
        }
      }
      const point = nearestPoint(event.clientX, event.clientY);
      const number = point ? point.trial.number : null;
      if (number !== hovered) {
        hovered = number;
        drawFront();
      }
      canvas.style.cursor = point ? "pointer" : "grab";
      if (point) showTooltip(point.trial, event.clientX, event.clientY);
      else hideTooltip();
    });
    canvas.addEventListener("pointerup", (event) => {
      const wasClick = drag !== null && drag.moved <= 3;
      drag = null;
      if (!wasClick) return;
      const point = nearestPoint(event.clientX, event.clientY);
      if (point) selectTrial(point.trial.number);
    });
    canvas.addEventListener("pointerleave", () => {
      hovered = null;
      hideTooltip();
      drawFront();
    });
    canvas.addEventListener("keydown", (event) => {
      const steps: Record<string, [number, number]> = {
        ArrowLeft: [-0.1, 0],
        ArrowRight: [0.1, 0],
        ArrowUp: [0, -0.1],
        ArrowDown: [0, 0.1],
      };
      const step = steps[event.key];
      if (!step) return;
      event.preventDefault();
      yaw += step[0];
      pitch = Math.max(-1.45, Math.min(1.45, pitch + step[1]));
      drawFront();
    });
    document.getElementById("reset-view")?.addEventListener("click", () => {
      [yaw, pitch] = DEFAULT_VIEW;
      drawFront();
    });
    window.addEventListener("resize", drawFront);
  }

  // SVG markers and table rows select a trial; markers also show the tooltip.
  for (const marker of Array.from(document.querySelectorAll<SVGElement>(".marker[data-trial]"))) {
    const trial = trialsByNumber.get(Number(marker.dataset.trial));
    if (!trial) continue;
    marker.addEventListener("pointerenter", (event) => showTooltip(trial, event.clientX, event.clientY));
    marker.addEventListener("pointerleave", hideTooltip);
    marker.addEventListener("click", () => selectTrial(trial.number));
  }
  for (const row of Array.from(document.querySelectorAll<HTMLTableRowElement>("tr[data-trial]"))) {
    const number = Number(row.dataset.trial);
    row.addEventListener("click", () => selectTrial(number));
    row.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      selectTrial(number);
    });
  }

  drawFront();
  if (payload.initialTrial !== null) selectTrial(payload.initialTrial);
}
