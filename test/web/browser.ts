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

/**
 * Frame times (ms between animation frames) while the mouse drags across `selector`
 * for `ms` milliseconds: the rotation of the 3-D front. Returns the median and the
 * 95th percentile.
 */
export async function frameTimesWhileDragging(
  page: Page,
  selector: string,
  ms: number,
): Promise<{ frames: number; median: number; p95: number }> {
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} is not on the page`);
  // A string, not a function: tsx would wrap a named inner function in a helper the page lacks.
  await page.evaluate(`
    window.__frames = [];
    window.__recording = true;
    requestAnimationFrame(function tick(t) {
      window.__frames.push(t);
      if (window.__recording) requestAnimationFrame(tick);
    });
  `);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  const started = Date.now();
  let step = 0;
  while (Date.now() - started < ms) {
    step++;
    await page.mouse.move(cx + 120 * Math.sin(step / 10), cy + 40 * Math.cos(step / 13), { steps: 2 });
  }
  await page.mouse.up();
  const frames = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__recording = false;
    return w.__frames;
  });
  const gaps = frames
    .slice(1)
    .map((t, k) => t - frames[k])
    .sort((a, b) => a - b);
  const at = (q: number) => gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))] ?? Number.NaN;
  return { frames: gaps.length, median: at(0.5), p95: at(0.95) };
}
