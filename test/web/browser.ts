/**
 * What the real-browser tests share: Debian's chromium driven by playwright-core
 * (never a downloaded browser), a static file server on loopback that logs every
 * request it answers, console-error capture, keyboard-reachability and frame-time
 * probes, and a folder for screenshots (tmp-artifacts/web, ignored by git).
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Test options: skipped where no chromium is installed, except under CI=true where it is required. */
export function needsChromium(): { skip?: string } {
  if (existsSync(chromiumPath) || process.env.CI === "true") return {};
  return { skip: `needs chromium at ${chromiumPath} (set CHROMIUM_PATH; mandatory under CI=true)` };
}

export const artifacts = fileURLToPath(new URL("../../tmp-artifacts/web", import.meta.url));

export async function launchChromium(): Promise<Browser> {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      // WebGL (the 3-D front, parallel coordinates) on the CPU rasteriser, as on a machine without a GPU.
      "--enable-unsafe-swiftshader",
      "--use-angle=swiftshader",
      // WebGPU (the trial workers' optional backend) on SwiftShader's software adapter.
      "--enable-unsafe-webgpu",
    ],
  });
}

/** Collects a page's console errors and uncaught exceptions (and those of its workers). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("worker", (worker) => {
    worker.on("console", (message) => {
      if (message.type() === "error") errors.push(`worker console: ${message.text()}`);
    });
  });
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

export interface LoggedRequest {
  method: string;
  url: string;
  bodyBytes: number;
}

export interface StaticServer {
  url: string;
  requests: LoggedRequest[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

/** Serves a folder's files (GET only) on 127.0.0.1 and logs every request, with the size of its body. */
export async function staticServer(folder: string): Promise<StaticServer> {
  const requests: LoggedRequest[] = [];
  const server: Server = createServer((request, response) => {
    let bodyBytes = 0;
    request.on("data", (chunk: Buffer) => {
      bodyBytes += chunk.length;
    });
    request.on("end", () => {
      requests.push({ method: request.method ?? "", url: request.url ?? "", bodyBytes });
      const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
      const file = resolve(folder, `.${path === "/" ? "/local.html" : path}`);
      const inside = file.startsWith(resolve(folder) + sep);
      if (request.method !== "GET" || !inside || !existsSync(file) || !statSync(file).isFile()) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
      });
      response.end(readFileSync(file));
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** Whether `path` (a request's path) names a file in `folder`. */
export function isFileOf(folder: string, path: string): boolean {
  const file = resolve(folder, `.${decodeURIComponent(path)}`);
  return relative(folder, file).split(sep)[0] !== ".." && existsSync(file) && statSync(file).isFile();
}

/**
 * Focuses the page's first control, presses Tab until every control has had the
 * focus (or `limit` presses) and returns the controls it never reached: every visible, enabled link, button,
 * field and tabindex ≥ 0 element of the page outside Plotly's own chart internals
 * (one radio per group counts).
 */
export async function unreachableByKeyboard(page: Page, limit = 600): Promise<string[]> {
  const count = await page.evaluate(() => {
    const selector = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';
    const candidates = Array.from(document.querySelectorAll<HTMLElement>(selector)).filter((element) => {
      if (element.closest(".js-plotly-plot")) return false;
      if ((element as HTMLButtonElement).disabled) return false;
      if (element.getAttribute("tabindex") === "-1") return false;
      if (element instanceof HTMLInputElement && element.type === "hidden") return false;
      if (element instanceof HTMLInputElement && element.type === "radio" && !element.checked) return false;
      const style = getComputedStyle(element);
      if (style.visibility === "hidden" || style.display === "none") return false;
      return element.getClientRects().length > 0 || element.classList.contains("skip");
    });
    candidates.forEach((element, k) => {
      element.dataset.kbd = String(k);
    });
    // Start from the first control, as a user arriving on the page does with one Tab.
    candidates[0]?.focus();
    return candidates.length;
  });
  const reached = new Set<string>(count > 0 ? ["0"] : []);
  // Charts' own focusable parts take presses too: allow several per control.
  for (let press = 0; press < Math.min(limit, 3 * count + 60); press++) {
    await page.keyboard.press("Tab");
    const id = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.kbd);
    if (id !== undefined) reached.add(id);
    if (reached.size === count) break;
  }
  return page.evaluate(
    (seen) =>
      Array.from(document.querySelectorAll<HTMLElement>("[data-kbd]"))
        .filter((element) => !seen.includes(element.dataset.kbd!))
        .map(
          (element) =>
            `${element.tagName.toLowerCase()} "${(element.getAttribute("aria-label") ?? element.textContent ?? "").trim().slice(0, 40)}"`,
        ),
    [...reached],
  );
}

export interface FrameTimes {
  /** Intervals between animation frames recorded during the drag. */
  frames: number;
  /** Median and 95th percentile of those intervals, ms (NaN when none was recorded). */
  median: number;
  p95: number;
  /** Frames the chart drew during the drag (its data-draws), and the mean ms of its own drawing code per frame. */
  draws: number | null;
  meanDrawMs: number | null;
  /** Whether the drag ended by recording its frames, rather than at the time limit. */
  completed: boolean;
  elapsedMs: number;
}

const TIMED_OUT = Symbol("timed out");

/** `promise`, or TIMED_OUT after `ms`; a late rejection is swallowed (the caller has moved on). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  promise.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof TIMED_OUT>((done) => {
    timer = setTimeout(() => done(TIMED_OUT), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Frame times (ms between animation frames) while the mouse drags across `selector`
 * (scrolled into view first: a drag outside the viewport reaches nothing): the
 * rotation of the 3-D front. It stops after `frames` frames or `timeoutMs`,
 * whichever comes first, and never hangs on a page too busy to answer (every
 * call into the page is bounded by the time left); the chart's own counters
 * (data-draws, data-draw-ms on the nearest element that has them) tell whether
 * the drag redrew it, and how long its drawing code took.
 */
export async function frameTimesWhileDragging(
  page: Page,
  selector: string,
  options: { frames?: number; timeoutMs?: number } = {},
): Promise<FrameTimes> {
  const target = options.frames ?? 120;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = Date.now();
  const left = () => timeoutMs - (Date.now() - started);
  const none: FrameTimes = {
    frames: 0,
    median: Number.NaN,
    p95: Number.NaN,
    draws: null,
    meanDrawMs: null,
    completed: false,
    elapsedMs: 0,
  };
  const chart = page.locator(selector).first();
  if ((await within(chart.scrollIntoViewIfNeeded({ timeout: left() }), left())) === TIMED_OUT)
    return { ...none, elapsedMs: Date.now() - started };
  const box = await chart.boundingBox();
  if (!box) throw new Error(`${selector} is not on the page`);
  // Strings, not functions: tsx would wrap a named inner function in a helper the page lacks.
  const counters = `(() => {
    const element = document.querySelector(${JSON.stringify(selector)});
    const chart = element?.closest("[data-draws]") ?? element?.querySelector("[data-draws]");
    return chart ? [Number(chart.dataset.draws), Number(chart.dataset.drawMs)] : null;
  })()`;
  const before = await within(page.evaluate(counters) as Promise<[number, number] | null>, left());
  const recording = page.evaluate(`
    window.__frames = [];
    window.__recording = true;
    requestAnimationFrame(function tick(t) {
      window.__frames.push(t);
      if (window.__recording) requestAnimationFrame(tick);
    });
  `);
  if ((await within(recording, left())) === TIMED_OUT) return { ...none, elapsedMs: Date.now() - started };
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  let completed = false;
  let alive = (await within(page.mouse.move(cx, cy), left())) !== TIMED_OUT;
  alive &&= (await within(page.mouse.down(), left())) !== TIMED_OUT;
  for (let step = 1; alive && left() > 0; step++) {
    const moved = await within(
      page.mouse.move(cx + 120 * Math.sin(step / 10), cy + 40 * Math.cos(step / 13), { steps: 2 }),
      left(),
    );
    if (moved === TIMED_OUT) alive = false;
    else if (step % 5 === 0) {
      const count = await within(page.evaluate("window.__frames.length") as Promise<number>, left());
      if (count === TIMED_OUT) alive = false;
      else if (count > target) {
        completed = true;
        break;
      }
    }
  }
  const elapsedMs = Date.now() - started;
  // The page may be too busy to answer: a few seconds' grace, then report what is known.
  const grace = Math.max(left(), 5_000);
  await within(page.mouse.up(), grace);
  const frames = await within(
    page.evaluate(`(window.__recording = false, window.__frames)`) as Promise<number[]>,
    grace,
  );
  const after = await within(page.evaluate(counters) as Promise<[number, number] | null>, grace);
  if (frames === TIMED_OUT) return { ...none, elapsedMs };
  const gaps = frames
    .slice(1)
    .map((t, k) => t - frames[k])
    .sort((a, b) => a - b);
  const at = (q: number) => gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))] ?? Number.NaN;
  const counted = Array.isArray(before) && Array.isArray(after);
  const draws = counted ? after[0] - before[0] : null;
  return {
    frames: gaps.length,
    median: at(0.5),
    p95: at(0.95),
    draws,
    meanDrawMs: counted && draws ? (after[1] - before[1]) / draws : null,
    completed,
    elapsedMs,
  };
}
