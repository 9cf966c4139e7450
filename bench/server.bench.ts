/**
 * The dashboard's targets, measured:
 *  1. server time to load a 1,000-trial study (GET /api/studies/{id}: open the
 *     file read-only, snapshot, build the view), cold (a fresh server each time)
 *     and warm (the cached snapshot), and the list of studies;
 *  2. the frame time of the 1,000-trial 3-D front while the mouse rotates it, in
 *     headless chromium (no GPU on this machine: the front is drawn with Canvas 2D).
 * The in-browser explorer against Node is bench/browser-explore.bench.ts.
 *
 *   node --import tsx bench/server.bench.ts [--skip-browser]
 *     [--fixture FILE.db]   (keep the written 1,000-trial study there, and reuse it next time)
 *     [--only load,frames]
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { buildWeb } from "../scripts/build-web.mjs";
import { startServer } from "../src/server/index.js";
import { writeExplorerStudy } from "../test/server/fixtures.js";
import { chromiumPath, frameTimesWhileDragging, launchChromium } from "../test/web/browser.js";
import { writeResults } from "./machine.js";

const argv = process.argv.slice(2);
const option = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const root = mkdtempSync(join(tmpdir(), "equipoise-server-bench-"));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Wall-clock time of one request, and the CPU time this process (server and
 * client: the server runs here) spent on it, which a shared machine's load
 * disturbs far less than the wall clock.
 */
async function timed(url: string, cpu?: number[]): Promise<number> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpuBefore);
  cpu?.push((used.user + used.system) / 1000);
  return wall;
}

async function studyLoad() {
  const file = join(root, "thousand.db");
  const kept = option("fixture");
  if (kept && existsSync(kept)) copyFileSync(kept, file);
  else {
    const started = performance.now();
    await writeExplorerStudy(file, { trials: 1000, seed: 5 });
    console.log(`wrote a 1,000-trial study in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (kept) copyFileSync(file, kept);
  }
  const cold: number[] = [];
  const coldCpu: number[] = [];
  const warm: number[] = [];
  const list: number[] = [];
  let bytes = 0;
  for (let run = 0; run < 5; run++) {
    const server = await startServer({
      port: 0,
      workDir: join(root, `work-${run}`),
      webRoot: null,
      studies: [file],
    });
    try {
      const url = new URL("/api/studies/thousand", server.url).href;
      cold.push(await timed(url, coldCpu));
      for (let k = 0; k < 3; k++) warm.push(await timed(url));
      list.push(await timed(new URL("/api/studies", server.url).href));
      bytes = (await (await fetch(url)).arrayBuffer()).byteLength;
    } finally {
      await server.close();
    }
  }
  const result = {
    trials: 1000,
    coldMs: { median: median(cold), all: cold },
    coldCpuMs: { median: median(coldCpu), all: coldCpu },
    warmMs: { median: median(warm), all: warm },
    listMs: { median: median(list), all: list },
    viewBytes: bytes,
  };
  console.log(
    `1,000-trial study: cold load ${result.coldMs.median.toFixed(0)} ms wall, ${result.coldCpuMs.median.toFixed(0)} ms CPU (medians of 5; wall ${cold.map((v) => v.toFixed(0)).join(", ")}), warm ${result.warmMs.median.toFixed(0)} ms, list ${result.listMs.median.toFixed(0)} ms, view ${(bytes / 1e6).toFixed(2)} MB`,
  );
  return { file, result };
}

async function frontFrames(studyFile: string, webRoot: string) {
  const server = await startServer({
    port: 0,
    workDir: join(root, "work-frames"),
    webRoot,
    studies: [studyFile],
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.setDefaultTimeout(600_000);
    page.setDefaultNavigationTimeout(600_000);
    await page.goto(new URL("/#/studies/thousand", server.url).href, { waitUntil: "domcontentloaded" });
    await page.locator(".front-3d[data-points] canvas").waitFor();
    await page.waitForTimeout(1000);
    const rotating = await frameTimesWhileDragging(page, ".front-3d canvas", { timeoutMs: 60_000 });
    console.log(
      `3-D front of 1,000 trials: rotating median ${rotating.median.toFixed(1)} ms/frame (${(1000 / rotating.median).toFixed(0)} fps), p95 ${rotating.p95.toFixed(1)} ms, ${rotating.frames} frames`,
    );
    return { rotating };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** Which parts to run: all by default, or those named by --only load,frames,adult. */
const only = option("only")?.split(",");
const wanted = (part: string) => !only || only.includes(part);

try {
  const results: Record<string, unknown> = {};
  let file = "";
  if (wanted("load") || wanted("frames")) {
    const load = await studyLoad();
    file = load.file;
    if (wanted("load")) results.studyLoad = load.result;
  }
  if (!argv.includes("--skip-browser") && existsSync(chromiumPath) && wanted("frames")) {
    const { outdir } = await buildWeb({ outdir: join(root, "web"), quiet: true });
    results.frontFrames = await frontFrames(file, outdir);
  }
  console.log(`results: ${writeResults(only ? `server-${only.join("-")}` : "server", results)}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
