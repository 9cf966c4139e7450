/**
 * The in-browser explorer against Node on the README's 40-trial Adult study
 * (issue 14's target: the browser within 2× the Node time on this machine).
 *
 * Three runs, one after the other, each timed by the wall clock of this process:
 *  1. `equipoise explore` exactly as the README's quick start runs it (bundled
 *     Adult, BO, default workers = cores), from the compiled CLI (`npm run build`
 *     first): the Node time the README states;
 *  2. the same CLI on the same data as the browser gets it (Adult as one CSV, the
 *     way a user drops it on the page), BO, seed 0, the same workers, and
 *     `--skip-privacy-cost`: the in-browser explorer does not fit each private
 *     trial's matched non-private model, so this is the same work as run 3;
 *  3. the in-browser explorer (web/local.html: a study worker and trial Web Workers
 *     on tfjs' WASM backend, SQLite in the page) in headless chromium on that CSV,
 *     from the click on "Run" to the page saying the study is done.
 *
 *   npm run build && node --import tsx bench/browser-explore.bench.ts [--budget 40] [--workers N]
 *     [--skip-readme]
 *
 * Results go to bench/results/browser-explore.json. Never run by `npm test`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { buildWeb } from "../scripts/build-web.mjs";
import { startServer } from "../src/server/index.js";
import { adultCsv } from "../test/web/adult-csv.js";
import { launchChromium, staticServer } from "../test/web/browser.js";
import { writeResults } from "./machine.js";

const argv = process.argv.slice(2);
const option = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const BUDGET = Number(option("budget") ?? 40);
const WORKERS = Number(option("workers") ?? availableParallelism());
const repo = fileURLToPath(new URL("..", import.meta.url));
const cli = join(repo, "bin", "equipoise.js");
const root = mkdtempSync(join(tmpdir(), "equipoise-browser-explore-"));

function summary(values: number[]): { sum: number; median: number; n: number } {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  return {
    sum: finite.reduce((a, b) => a + b, 0),
    median: finite[Math.floor(finite.length / 2)] ?? Number.NaN,
    n: finite.length,
  };
}

/** Each trial's own time in a study file written by the CLI, read through the dashboard's API. */
async function trialSecondsOf(studyFile: string, id: string) {
  const server = await startServer({
    port: 0,
    workDir: join(root, "work"),
    webRoot: null,
    studies: [studyFile],
  });
  try {
    const view = (await (await fetch(new URL(`/api/studies/${id}`, server.url))).json()) as {
      trials: { durationSeconds: number | null }[];
    };
    return summary(view.trials.map((t) => t.durationSeconds ?? Number.NaN));
  } finally {
    await server.close();
  }
}

/** Runs the compiled CLI; returns its wall-clock seconds and the hypervolume line it printed. */
function runCli(args: string[]): { seconds: number; hypervolume: string | null } {
  const started = performance.now();
  const run = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", cwd: root });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`equipoise ${args.join(" ")} failed: ${run.stderr.trim()}`);
  const hypervolume = /hypervolume[^\n]*/i.exec(run.stdout)?.[0] ?? null;
  return { seconds, hypervolume };
}

async function inBrowser(webRoot: string, csv: string) {
  const files = await staticServer(webRoot);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    page.setDefaultTimeout(600_000);
    await page.goto(new URL("local.html", files.url).href, { waitUntil: "domcontentloaded" });
    await page.setInputFiles("input[type=file]", {
      name: "adult.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(csv),
    });
    await page.getByText("It stays in this browser").waitFor();
    await page.selectOption("select[name=target]", "income");
    await page.selectOption("select[name=sensitive]", "sex");
    await page.selectOption("select[name=strategy]", "bo");
    await page.fill("input[name=budget]", String(BUDGET));
    await page.fill("input[name=seed]", "0");
    await page.fill("input[name=workers]", String(WORKERS));
    await page.fill("input[name=name]", "adult");
    const started = performance.now();
    await page.getByRole("button", { name: "Run the study in this browser" }).click();
    await page.waitForFunction(() => document.body.dataset.studyDone !== undefined, null, {
      timeout: 3_600_000,
      polling: 250,
    });
    const seconds = (performance.now() - started) / 1000;
    const pageSeconds = Number(await page.evaluate(() => document.body.dataset.studyDone));
    const lead = (await page.locator(".study-panel .lead").first().textContent()) ?? "";
    const hypervolume = await page.evaluate(() => {
      const term = Array.from(document.querySelectorAll("dt")).find((dt) =>
        dt.textContent?.startsWith("hypervolume"),
      );
      return term?.nextElementSibling?.textContent ?? null;
    });
    // The trials table's time column: each trial's own training and scoring time, as the page stored it.
    const trialSeconds = await page.evaluate(() =>
      Array.from(document.querySelectorAll("table.trials tbody tr td:last-child")).map((cell) => {
        const text = cell.textContent ?? "";
        const minutes = /(\d+) min (\d+) s/.exec(text);
        return minutes ? 60 * Number(minutes[1]) + Number(minutes[2]) : Number.parseFloat(text);
      }),
    );
    return { seconds, pageSeconds, trials: lead.trim(), hypervolume, trialSeconds: summary(trialSeconds) };
  } finally {
    await browser.close();
    await files.close();
  }
}

try {
  if (!existsSync(join(repo, "dist", "cli", "main.js"))) {
    throw new Error("the compiled CLI is missing: run `npm run build` first");
  }
  const csv = adultCsv();
  const csvPath = join(root, "adult.csv");
  writeFileSync(csvPath, csv);
  const rows = csv.trim().split("\n").length - 1;
  const results: Record<string, unknown> = { budget: BUDGET, workers: WORKERS, csvRows: rows };
  const loads: number[][] = [loadavg()];
  console.log(`${BUDGET} trials, BO, seed 0, ${WORKERS} workers; Adult as one CSV: ${rows} rows`);

  if (!argv.includes("--skip-readme")) {
    const readme = runCli([
      "explore",
      "--data",
      "adult",
      "--sensitive",
      "sex",
      "--budget",
      String(BUDGET),
      "--study",
      join(root, "readme.db"),
      "--report",
      join(root, "readme-report.html"),
    ]);
    results.nodeReadme = readme;
    loads.push(loadavg());
    console.log(`Node, the README's command: ${readme.seconds.toFixed(1)} s (${readme.hypervolume})`);
  }

  const node = runCli([
    "explore",
    "--data",
    csvPath,
    "--target",
    "income",
    "--sensitive",
    "sex",
    "--budget",
    String(BUDGET),
    "--workers",
    String(WORKERS),
    "--seed",
    "0",
    "--skip-privacy-cost",
    "--study",
    join(root, "csv.db"),
  ]);
  results.nodeCsv = { ...node, trialSeconds: await trialSecondsOf(join(root, "csv.db"), "csv") };
  loads.push(loadavg());
  console.log(`Node, the CSV without the matched models: ${node.seconds.toFixed(1)} s (${node.hypervolume})`);

  const { outdir } = await buildWeb({ outdir: join(root, "web"), quiet: true });
  const browser = await inBrowser(outdir, csv);
  results.browser = browser;
  loads.push(loadavg());
  results.ratioToNodeCsv = browser.seconds / node.seconds;
  const readmeSeconds = (results.nodeReadme as { seconds: number } | undefined)?.seconds;
  if (readmeSeconds) results.ratioToNodeReadme = browser.seconds / readmeSeconds;
  results.loadAverages = loads;
  console.log(
    `trial time (summed over trials, ${WORKERS} workers in parallel): Node ${(results.nodeCsv as { trialSeconds: { sum: number } }).trialSeconds.sum.toFixed(1)} s, browser ${browser.trialSeconds.sum.toFixed(1)} s`,
  );
  console.log(
    `browser: ${browser.seconds.toFixed(1)} s (the page's own clock ${browser.pageSeconds.toFixed(1)} s; ${browser.trials}; hypervolume ${browser.hypervolume}); ${(browser.seconds / node.seconds).toFixed(2)}× the same work in Node${readmeSeconds ? `, ${(browser.seconds / readmeSeconds).toFixed(2)}× the README's command` : ""}`,
  );
  console.log(`load averages (1 min) along the way: ${loads.map((l) => l[0].toFixed(1)).join(", ")}`);
  console.log(`results: ${writeResults("browser-explore", results)}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
