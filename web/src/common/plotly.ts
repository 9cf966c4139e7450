/**
 * Plotly (plotly.js-dist-min, loaded by a <script> tag as the global `Plotly`):
 * the little of its API the pages use, typed. Charts get zoom, pan, hover and PNG
 * export from it; its toolbar buttons are made reachable from the keyboard here.
 */

export type PlotData = Record<string, unknown>;
export type PlotLayout = Record<string, unknown>;

export interface PlotlyElement extends HTMLElement {
  on(event: string, handler: (event: PlotlyEvent) => void): void;
  removeAllListeners?(event: string): void;
}

export interface PlotlyEvent {
  points?: { customdata?: unknown; pointNumber?: number; curveNumber?: number }[];
}

interface PlotlyApi {
  react(
    element: HTMLElement,
    data: PlotData[],
    layout: PlotLayout,
    config: Record<string, unknown>,
  ): Promise<unknown>;
  relayout(element: HTMLElement, update: Record<string, unknown>): Promise<unknown>;
  purge(element: HTMLElement): void;
  Plots: { resize(element: HTMLElement): Promise<unknown> };
}

export function plotly(): PlotlyApi {
  const api = (globalThis as { Plotly?: PlotlyApi }).Plotly;
  if (!api) throw new Error("the charting library did not load");
  return api;
}

export const PLOT_CONFIG = {
  responsive: true,
  displaylogo: false,
  toImageButtonOptions: { format: "png", scale: 2 },
  modeBarButtonsToRemove: ["lasso2d", "select2d"],
};

export const BASE_LAYOUT: PlotLayout = {
  margin: { l: 60, r: 20, t: 36, b: 50 },
  font: { family: "system-ui, sans-serif", size: 12, color: "#1b1b1b" },
  paper_bgcolor: "rgba(0,0,0,0)",
  plot_bgcolor: "rgba(0,0,0,0)",
  hoverlabel: { bgcolor: "#ffffff", bordercolor: "#333333", font: { color: "#111111" } },
  legend: { orientation: "h", y: -0.2 },
};

/**
 * Whether this browser can draw WebGL charts (the parallel coordinates need it), and
 * whether its WebGL is a software rasteriser (SwiftShader, llvmpipe: a machine without a
 * usable GPU), where every WebGL chart costs the CPU that trials use. One probe context,
 * released at once.
 */
export function webGlSupport(): "none" | "hardware" | "software" {
  try {
    const canvas = document.createElement("canvas");
    const gl = (canvas.getContext("webgl") ??
      canvas.getContext("experimental-webgl")) as WebGLRenderingContext | null;
    if (!gl) return "none";
    const info = gl.getExtension("WEBGL_debug_renderer_info");
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension("WEBGL_lose_context")?.loseContext();
    return /swiftshader|llvmpipe|softpipe|software/i.test(renderer) ? "software" : "hardware";
  } catch {
    return "none";
  }
}

/** Draws a chart and makes its toolbar buttons keyboard controls. */
export async function drawChart(
  element: HTMLElement,
  data: PlotData[],
  layout: PlotLayout,
  config: Record<string, unknown> = {},
): Promise<PlotlyElement> {
  await plotly().react(element, data, { ...BASE_LAYOUT, ...layout }, { ...PLOT_CONFIG, ...config });
  keyboardToolbar(element);
  return element as PlotlyElement;
}

function keyboardToolbar(element: HTMLElement): void {
  for (const button of element.querySelectorAll<HTMLElement>(".modebar-btn")) {
    if (button.dataset.keyboard) continue;
    button.dataset.keyboard = "1";
    button.tabIndex = 0;
    button.setAttribute("role", "button");
    const title = button.getAttribute("data-title");
    if (title && !button.getAttribute("aria-label")) button.setAttribute("aria-label", title);
    button.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        button.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      }
    });
  }
  // The toolbar is shown on hover only; keyboard users see it while they are in it.
  element.addEventListener("focusin", () => element.classList.add("show-modebar"));
  element.addEventListener("focusout", () => element.classList.remove("show-modebar"));
}
