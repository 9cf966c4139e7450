/**
 * The dashboard and the in-browser explorer in a real browser (Debian's chromium,
 * headless): every page renders without console errors, keyboard navigation
 * reaches every control, a study started from the page runs to its end and its
 * front appears, the 3-D front is read and picked from the keyboard and turns under
 * the mouse, its frame time while rotating 1,000 trials is measured (reported in
 * tmp-artifacts/web/frame-times.json and as a diagnostic, never asserted), and the in-browser explorer runs a small Adult study with no request
 * carrying the data, keeps it across a reload and hands over its report.
 * Screenshots go to tmp-artifacts/web.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { buildWeb } from "../../scripts/build-web.mjs";
import { type RunningServer, startServer } from "../../src/server/index.js";
import { writeExplorerStudy } from "../server/fixtures.js";
import { adultCsv } from "./adult-csv.js";
import {
  artifacts,
  frameTimesWhileDragging,
  isFileOf,
  launchChromium,
  needsChromium,
  type StaticServer,
  screenshot,
  staticServer,
  unreachableByKeyboard,
  watchErrors,
} from "./browser.js";

const root = mkdtempSync(join(tmpdir(), "equipoise-browser-"));
const webRoot = join(root, "web");
let browser: Browser;
let built: Awaited<ReturnType<typeof buildWeb>>;

/** Node-only modules of Equipoise that the browser bundles reach but never call (see build-web.mjs). */
const KNOWN_NODE_ONLY = new Set([
  "src/explore/explorer.ts",
  "src/explore/pool.ts",
  "src/search/store/sqlite.ts",
  "src/search/store/sqlite-file.ts",
  "src/search/store/liveness.ts",
  "src/data/task.ts",
  "src/data/fetch.ts",
  "src/data/bundled.ts",
  "src/data/idx.ts",
  "src/data/datasets/fashion-mnist.ts",
  "src/data/datasets/compas.ts",
  "src/data/datasets/user-file.ts",
  // Loaded only for a postgres:// study location (search/store/open.ts), never in a page.
  "src/search/store/postgres.ts",
  "src/search/store/postgres-location.ts",
  // Reads Fashion-MNIST's files like fashion-mnist.ts; pages read dropped CSV text only.
  "src/data/datasets/colored-fashion-mnist.ts",
  // Reached through audit/membership-risk.ts (the explorer's mia objective); the loss attack
  // the explorer runs trains no shadows, so its worker pool is never started in a page.
  "src/audit/shadow-pool.ts",
]);

const options = needsChromium();
/** How long a page may take: generous, because the machine running the tests may be shared and busy. */
const PATIENCE = 180_000;

before(async () => {
  if (options.skip) return;
  built = await buildWeb({ outdir: webRoot, quiet: true });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  rmSync(root, { recursive: true, force: true });
});

/** Runs `wait`; when it fails, keeps a screenshot (failed-NAME) of what the page showed. */
async function screenshotOnFailure(page: Page, name: string, wait: () => Promise<unknown>): Promise<void> {
  try {
    await wait();
  } catch (error) {
    await screenshot(page, `failed-${name}`);
    throw error;
  }
}

/** Points on the 3-D front (its canvas view's data-points; 0 before it is drawn). */
function frontPoints(page: Page): Promise<number> {
  return page.evaluate(() => Number(document.querySelector<HTMLElement>(".front-3d")?.dataset.points ?? 0));
}

/** Waits until the 3-D front holds at least `count` points. */
function frontHolds(page: Page, count: number, timeout: number): Promise<unknown> {
  return page.waitForFunction(
    (n) => Number(document.querySelector<HTMLElement>(".front-3d")?.dataset.points ?? 0) >= n,
    count,
    { timeout, polling: 500 },
  );
}

describe("the browser bundles", options, () => {
  test("reach Node-only code of no module beyond the known ones", () => {
    const ours = Object.keys(built.stubbed).filter((file) => file.startsWith("src/"));
    assert.deepEqual(
      ours.filter((file) => !KNOWN_NODE_ONLY.has(file)),
      [],
      "a new Node-only import reached the browser: split the module (see scripts/build-web.mjs)",
    );
  });
});

describe("the dashboard", options, () => {
  let server: RunningServer;
  let page: Page;
  let errors: string[];

  before(async () => {
    if (options.skip) return;
    const small = join(root, "small.db");
    const large = join(root, "thousand.db");
    await writeExplorerStudy(small, { trials: 24, seed: 3 });
    await writeExplorerStudy(large, { trials: 1000, seed: 5, rows: { validation: 300, test: 300 } });
    server = await startServer({
      port: 0,
      workDir: join(root, "work"),
      webRoot,
      studies: [small, large],
      pollMs: 200,
    });
    const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
    context.setDefaultTimeout(PATIENCE);
    context.setDefaultNavigationTimeout(PATIENCE);
    page = await context.newPage();
    errors = watchErrors(page);
  });
  after(async () => {
    await page?.context().close();
    await server?.close();
  });

  /** Opens a page and waits for `ready`; on failure keeps a screenshot of what was there. */
  async function visit(hash: string, ready: string): Promise<void> {
    await page.goto(new URL(`/${hash}`, server.url).href, { waitUntil: "domcontentloaded" });
    try {
      await page.locator(ready).first().waitFor({ timeout: PATIENCE });
    } catch (error) {
      await screenshot(page, `failed-${hash.replace(/[^a-z0-9]+/gi, "-")}`);
      throw error;
    }
  }

  test("the studies page lists both studies", async () => {
    await visit("#/", "text=thousand");
    await page.getByText("small").first().waitFor();
    await screenshot(page, "studies");
    assert.deepEqual(errors, []);
    assert.deepEqual(await unreachableByKeyboard(page), []);
  });

  test("a study's page draws its front, projections, parallel coordinates and hypervolume", async () => {
    await visit("#/studies/small", ".front-3d[data-draws] canvas");
    // The 2-D projections, hypervolume and parallel coordinates (Plotly); the 3-D front is a canvas.
    await page.waitForFunction(() => document.querySelectorAll(".js-plotly-plot").length >= 5, null, {
      timeout: PATIENCE,
    });
    assert.equal(await frontPoints(page), 24, "every trial is on the 3-D chart");
    await screenshot(page, "study");
    assert.deepEqual(errors, []);
    assert.deepEqual(await unreachableByKeyboard(page), []);
  });

  test("the 3-D front is read and picked from the keyboard, and rotates under the mouse", async () => {
    await visit("#/studies/small", ".front-3d[data-draws] canvas");
    const canvas = page.locator(".front-3d canvas");
    await canvas.scrollIntoViewIfNeeded();
    await canvas.focus();
    await page.keyboard.press("PageDown");
    const tooltip = page.locator(".front-tooltip");
    await tooltip.waitFor({ state: "visible" });
    const said = (await tooltip.textContent()) ?? "";
    const trial = Number(/^trial (\d+):/.exec(said)?.[1]);
    assert.ok(Number.isInteger(trial), `the tooltip names a trial: "${said}"`);
    // Page Down visits the front first: the first trial it reaches is on the front.
    const onFront = await page.evaluate(
      (n) =>
        Array.from(document.querySelectorAll("table.trials tbody tr")).some(
          (row) => row.querySelector("th")?.textContent === String(n) && row.textContent?.includes("◆ yes"),
        ),
      trial,
    );
    assert.ok(onFront, `trial ${trial} is on the front`);
    // The tooltip sits 14 px right of (or left of) the point and 12 px above it: a click there picks it.
    const box = (await canvas.boundingBox())!;
    const place = await tooltip.evaluate((element) => ({
      left: element.style.left,
      right: element.style.right,
      top: element.style.top,
    }));
    const x = place.left
      ? Number.parseFloat(place.left) - 14
      : box.width - Number.parseFloat(place.right) - 14;
    const y = Number.parseFloat(place.top) + 12;
    await page.mouse.click(box.x + x, box.y + y);
    await page.locator(".pick h2", { hasText: `Trial ${trial}` }).waitFor();
    await canvas.focus();
    await page.keyboard.press("PageDown");
    // The tooltip follows at the next frame.
    await page.waitForFunction(
      (n) => !document.querySelector(".front-tooltip")?.textContent?.startsWith(`trial ${n}:`),
      trial,
    );
    const next = Number(/^trial (\d+):/.exec((await tooltip.textContent()) ?? "")?.[1]);
    assert.ok(Number.isInteger(next) && next !== trial, "Page Down moves on to another trial");
    await page.keyboard.press("Enter");
    await page.locator(".pick h2", { hasText: `Trial ${next}` }).waitFor();
    await screenshot(page, "front-picked");

    const before = await canvas.screenshot();
    const draws = Number(await page.locator(".front-3d").getAttribute("data-draws"));
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 150, box.y + box.height / 2 + 40, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(
      (n) => Number(document.querySelector<HTMLElement>(".front-3d")?.dataset.draws) > n,
      draws,
    );
    assert.ok(!before.equals(await canvas.screenshot()), "the drag turned the front");
    await page.keyboard.press("0");
    assert.deepEqual(errors, []);
  });

  test("the 3-D front of a 1,000-trial study rotates; its frame time is recorded (not asserted)", async (t) => {
    await visit("#/studies/thousand", ".front-3d[data-draws] canvas");
    await frontHolds(page, 1000, PATIENCE);
    assert.equal(await frontPoints(page), 1000);
    const frames = await frameTimesWhileDragging(page, ".front-3d canvas", {
      frames: 120,
      timeoutMs: 60_000,
    });
    const record = {
      measured: new Date().toISOString(),
      trials: 1000,
      viewport: page.viewportSize(),
      renderer: "Canvas 2D (web/src/common/front-3d.ts)",
      chromium: browser.version(),
      loadAverage: loadavg(),
      ...frames,
    };
    writeFileSync(join(artifacts, "frame-times.json"), `${JSON.stringify(record, null, 2)}\n`);
    t.diagnostic(
      `1,000-point front while dragging: ${frames.frames} frames, median ${frames.median.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms; ${frames.draws} redraws of ${frames.meanDrawMs?.toFixed(2)} ms each (load average ${loadavg()[0].toFixed(1)}; shared machine)`,
    );
    assert.ok(frames.frames > 0, "the probe recorded frames");
    assert.ok((frames.draws ?? 0) > 0, "the drag redrew the front");
    assert.deepEqual(errors, []);
  });

  test("a trial's page and the comparison of trials render", async () => {
    await visit("#/studies/small/trials/2", "h1");
    await page.getByText("Trial 2").first().waitFor();
    await screenshot(page, "trial");
    assert.deepEqual(await unreachableByKeyboard(page), []);
    await visit("#/studies/small/compare/1,2,3", "h1");
    await page.waitForTimeout(500);
    await screenshot(page, "compare");
    assert.deepEqual(await unreachableByKeyboard(page), []);
    await visit("#/jobs", "h1");
    await screenshot(page, "jobs");
    assert.deepEqual(errors, []);
  });

  test("a study started from the page runs to its end and its front appears", async () => {
    await visit("#/new", "select[name=dataset]");
    await page.selectOption("select[name=dataset]", { value: "german-credit" });
    await page.selectOption("select[name=strategy]", "random");
    await page.fill("input[name=budget]", "3");
    await page.fill("input[name=name]", "from-the-page");
    await screenshot(page, "new-study");
    assert.deepEqual(await unreachableByKeyboard(page), []);
    await page.getByRole("button", { name: "Start the study" }).click();
    await page.waitForURL(/#\/studies\/from-the-page$/);
    await page.waitForFunction(
      () => Number(document.querySelector<HTMLElement>(".front-3d")?.dataset.points ?? 0) >= 3,
      null,
      { timeout: 600_000, polling: 500 },
    );
    const view = (await (await fetch(new URL("/api/studies/from-the-page", server.url))).json()) as {
      counts: { complete: number; failed: number };
    };
    assert.equal(view.counts.complete + view.counts.failed, 3);
    await screenshot(page, "study-from-the-page");
    assert.deepEqual(errors, []);
  });
});

describe("the in-browser explorer", options, () => {
  let files: StaticServer;
  let page: Page;
  let errors: string[];
  const offsite: string[] = [];
  const csv = adultCsv(1200);

  before(async () => {
    if (options.skip) return;
    files = await staticServer(webRoot);
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
    });
    // Anything but the page's own origin is refused (and recorded): the page talks to nobody.
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(files.url) || url.startsWith("blob:") || url.startsWith("data:"))
        return route.continue();
      offsite.push(url);
      return route.abort();
    });
    context.setDefaultTimeout(PATIENCE);
    context.setDefaultNavigationTimeout(PATIENCE);
    page = await context.newPage();
    errors = watchErrors(page);
  });
  after(async () => {
    await page?.context().close();
    await files?.close();
  });

  test("runs a small Adult study in Web Workers; no request carries the data", async (t) => {
    await page.goto(new URL("local.html", files.url).href);
    await page.locator("input[type=file]").waitFor();
    await screenshot(page, "local-empty");
    assert.deepEqual(await unreachableByKeyboard(page), []);
    await page.setInputFiles("input[type=file]", {
      name: "adult-sample.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(csv),
    });
    await page.getByText("It stays in this browser").waitFor();
    await page.selectOption("select[name=target]", "income");
    await page.selectOption("select[name=sensitive]", "sex");
    await page.selectOption("select[name=strategy]", "random");
    await page.fill("input[name=budget]", "3");
    await page.fill("input[name=workers]", "1");
    await page.fill("input[name=name]", "adult-here");
    assert.deepEqual(await unreachableByKeyboard(page), []);
    await page.getByRole("button", { name: "Run the study in this browser" }).click();
    await page.waitForFunction(() => document.body.dataset.studyDone !== undefined, null, {
      timeout: 600_000,
      polling: 500,
    });
    const seconds = Number(await page.evaluate(() => document.body.dataset.studyDone));
    t.diagnostic(
      `3 trials of a 1,200-row Adult sample in this browser: ${seconds.toFixed(1)} s (shared machine)`,
    );
    await page.waitForFunction(
      () => Number(document.querySelector<HTMLElement>(".front-3d")?.dataset.points ?? 0) >= 3,
      null,
      { timeout: PATIENCE },
    );
    await screenshot(page, "local-study");

    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download the HTML report" }).click();
    const report = readFileSync(await (await download).path(), "utf8");
    assert.match(report, /<html/i);
    assert.match(report, /adult-here|adult-sample/);

    // The page's own files, fetched with GET and no body, and nothing else: the data went nowhere.
    assert.deepEqual(offsite, []);
    const distinctive = csv.split("\n")[1].split(",").slice(0, 4).join(",");
    for (const request of files.requests) {
      assert.equal(request.method, "GET", request.url);
      assert.equal(request.bodyBytes, 0, request.url);
      assert.ok(
        isFileOf(webRoot, new URL(request.url, files.url).pathname),
        `unexpected request ${request.url}`,
      );
      assert.ok(!request.url.includes(encodeURIComponent(distinctive)) && !request.url.includes("income"));
    }
    assert.deepEqual(errors, []);
  });

  test("a reload keeps the study in this browser, ready to resume", async () => {
    await page.reload();
    const row = page.locator("table tr", { hasText: "adult-here" });
    await row.waitFor();
    assert.match((await row.textContent()) ?? "", /3 \/ 3/);
    await page.getByRole("button", { name: "Open or resume adult-here" }).click();
    await screenshotOnFailure(page, "local-reloaded", () =>
      page.waitForFunction(
        () => Number(document.querySelector<HTMLElement>(".front-3d")?.dataset.points ?? 0) >= 3,
        null,
        { timeout: PATIENCE },
      ),
    );
    await screenshot(page, "local-reloaded");
    assert.deepEqual(offsite, []);
    assert.deepEqual(errors, []);
  });
});
