/**
 * Opens a rendered report in Debian's chromium (never a downloaded browser) and
 * checks what a reader sees: no errors, no network, a drawn 3-D front, the
 * projections, selection of a trial from the Pareto table, and a screenshot.
 * UPDATE_SCREENSHOTS=1 rewrites the reference screenshot; otherwise only its
 * dimensions are compared (pixel-exact comparison would be flaky across fonts).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { renderHtmlReport } from "../../src/report/index.js";
import { studyFixture } from "./fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const REFERENCE_SCREENSHOT = fileURLToPath(new URL("./__screenshots__/report.png", import.meta.url));
const VIEWPORT = { width: 1280, height: 800 };

function chromiumSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const message = `${CHROMIUM} is missing: install it with "apt-get install -y chromium" to run the report browser test`;
  if (process.env.CI) throw new Error(message);
  return message;
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.equal(png.subarray(1, 4).toString("ascii"), "PNG", "a PNG file");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const workDir = mkdtempSync(join(tmpdir(), "equipoise-report-"));
after(() => rmSync(workDir, { recursive: true, force: true }));

test("the HTML report works in a headless browser", {
  skip: chromiumSkipReason(),
  timeout: 60_000,
}, async () => {
  const { chromium } = await import("playwright-core");
  const data = studyFixture();
  const complete = data.trials.filter((trial) => trial.state === "complete");
  const pareto = complete.filter((trial) => trial.onPareto);
  const reportPath = join(workDir, "report.html");
  writeFileSync(reportPath, renderHtmlReport(data));
  const reportUrl = pathToFileURL(reportPath).href;

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  try {
    const page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning")
        problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(reportUrl, { waitUntil: "load" });

    // The 3-D canvas has been drawn: many painted pixels, some in the Pareto colour.
    const canvas = await page.evaluate(() => {
      const element = document.getElementById("front-canvas") as HTMLCanvasElement;
      const pixels = element.getContext("2d")!.getImageData(0, 0, element.width, element.height).data;
      let painted = 0;
      let paretoBlue = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i + 3] === 0) continue;
        painted++;
        if (pixels[i] < 60 && pixels[i + 1] > 60 && pixels[i + 1] < 100 && pixels[i + 2] > 190) paretoBlue++;
      }
      return { painted, paretoBlue, total: pixels.length / 4 };
    });
    assert.ok(
      canvas.painted > canvas.total * 0.01,
      `3-D canvas is nearly blank: ${canvas.painted} of ${canvas.total} pixels`,
    );
    assert.ok(
      canvas.paretoBlue > 20 * pareto.length,
      `few Pareto-coloured pixels on the 3-D canvas: ${canvas.paretoBlue}`,
    );

    for (const id of ["projection-accuracy-epsilon", "projection-accuracy-gap", "projection-epsilon-gap"]) {
      assert.equal(
        await page.locator(`#${id} .marker`).count(),
        complete.length,
        `${id}: one marker per complete trial`,
      );
      assert.equal(
        await page.locator(`#${id} .marker.pareto`).count(),
        pareto.length,
        `${id}: Pareto markers`,
      );
    }

    // Hovering a marker shows its tooltip.
    const marker = page.locator("#projection-accuracy-gap .marker.dominated").first();
    const hoveredTrial = await marker.getAttribute("data-trial");
    await marker.hover();
    await assert.doesNotReject(page.locator("#tooltip:not([hidden])").waitFor({ timeout: 2000 }));
    assert.match((await page.locator("#tooltip").textContent()) ?? "", new RegExp(`^Trial ${hoveredTrial} `));

    // Clicking a Pareto row other than the one selected first shows that trial's per-group table.
    const initiallySelected = await page.locator("#trial-panel").getAttribute("data-selected-trial");
    const row = page.locator(`#pareto-trials tbody tr:not([data-trial="${initiallySelected}"])`).last();
    const number = Number(await row.getAttribute("data-trial"));
    await row.click();
    assert.equal(await page.locator("#trial-panel").getAttribute("data-selected-trial"), String(number));
    assert.equal(await row.getAttribute("aria-selected"), "true");
    const trial = data.trials.find((candidate) => candidate.number === number)!;
    assert.ok(trial.onPareto && trial.test);
    for (const [split, metrics] of [
      ["validation", trial.validation!],
      ["test", trial.test],
    ] as const) {
      for (const [attribute, groups] of Object.entries(metrics.perGroup)) {
        const table = page.locator(
          `#trial-panel table.per-group[data-attribute="${attribute}"][data-split="${split}"]`,
        );
        assert.equal(await table.count(), 1, `${attribute} · ${split} table`);
        for (const [group, values] of Object.entries(groups)) {
          const cells = await table.locator(`tr[data-group="${group}"] td`).allTextContents();
          assert.equal(cells[0], String(values.count), `${attribute}/${group} count (${split})`);
          assert.equal(
            cells[2],
            values.selectionRate.toFixed(3),
            `${attribute}/${group} selection rate (${split})`,
          );
        }
      }
    }
    assert.equal(
      await page.locator(`#projection-accuracy-epsilon .marker.selected`).getAttribute("data-trial"),
      String(number),
    );

    // Rotating the 3-D view by dragging changes the drawing.
    await page.locator("#front-canvas").scrollIntoViewIfNeeded();
    const before = await page.locator("#front-canvas").screenshot();
    const box = (await page.locator("#front-canvas").boundingBox())!;
    await page.mouse.move(box.x + 60, box.y + 60);
    await page.mouse.down();
    await page.mouse.move(box.x + 200, box.y + 90, { steps: 5 });
    await page.mouse.up();
    const rotated = await page.locator("#front-canvas").screenshot();
    assert.ok(!before.equals(rotated), "dragging rotates the 3-D view");
    await page.locator("#reset-view").click();
    const reset = await page.locator("#front-canvas").screenshot();
    assert.ok(before.equals(reset), "Reset view restores the initial drawing");

    // Screenshot of the first screen, after resetting the selection to the initial state.
    await page.reload({ waitUntil: "load" });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.mouse.move(0, 0);
    const screenshotPath = join(workDir, "report.png");
    const screenshot = await page.screenshot({ path: screenshotPath });
    assert.deepEqual(pngSize(screenshot), VIEWPORT);
    const distinctColours = await page.evaluate(async (base64) => {
      const image = new Image();
      image.src = `data:image/png;base64,${base64}`;
      await image.decode();
      const scratch = document.createElement("canvas");
      scratch.width = image.width;
      scratch.height = image.height;
      const context = scratch.getContext("2d")!;
      context.drawImage(image, 0, 0);
      const pixels = context.getImageData(0, 0, image.width, image.height).data;
      const colours = new Set<number>();
      for (let i = 0; i < pixels.length; i += 4 * 7)
        colours.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
      return colours.size;
    }, screenshot.toString("base64"));
    assert.ok(distinctColours > 50, `the screenshot looks blank: ${distinctColours} colours`);

    if (process.env.UPDATE_SCREENSHOTS === "1") {
      mkdirSync(dirname(REFERENCE_SCREENSHOT), { recursive: true });
      writeFileSync(REFERENCE_SCREENSHOT, screenshot);
    } else {
      assert.ok(
        existsSync(REFERENCE_SCREENSHOT),
        `missing ${REFERENCE_SCREENSHOT}: run with UPDATE_SCREENSHOTS=1`,
      );
      assert.deepEqual(pngSize(readFileSync(REFERENCE_SCREENSHOT)), pngSize(screenshot));
    }

    assert.deepEqual(problems, []);
    assert.deepEqual([...new Set(requests)], [reportUrl], "no request other than the report file");
  } finally {
    await browser.close();
  }
});
