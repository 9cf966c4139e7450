/**
 * The in-browser explorer's trials on WebGPU, in a real browser. Headless chromium
 * without a GPU offers WebGPU through SwiftShader's software adapter: "automatic"
 * keeps WebAssembly there (checked by browser.test.ts's study, and by the reason the
 * page gives here), so the study chooses WebGPU explicitly. Its trials must give the
 * metrics the same study gives on WebAssembly: the same configurations, the same ε
 * (the accounting does not depend on the backend), and the same accuracy and
 * fairness up to float32 kernels that differ between the two backends.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import type { Browser, Page } from "playwright-core";
import { buildWeb } from "../../scripts/build-web.mjs";
import { adultCsv } from "./adult-csv.js";
import {
  launchChromium,
  needsChromium,
  type StaticServer,
  screenshot,
  staticServer,
  watchErrors,
} from "./browser.js";

const options = needsChromium();
const root = mkdtempSync(join(tmpdir(), "equipoise-webgpu-"));
const webRoot = join(root, "web");
const PATIENCE = 600_000;
let browser: Browser;
let files: StaticServer;
let page: Page;
let errors: string[];

before(async () => {
  if (options.skip) return;
  await buildWeb({ outdir: webRoot, quiet: true });
  browser = await launchChromium();
  files = await staticServer(webRoot);
  const context = await browser.newContext({ acceptDownloads: true });
  context.setDefaultTimeout(PATIENCE);
  page = await context.newPage();
  errors = watchErrors(page);
});
after(async () => {
  await browser?.close();
  await files?.close();
  rmSync(root, { recursive: true, force: true });
});

interface StoredTrial {
  number: number;
  params: Record<string, unknown>;
  metrics: {
    backend?: string;
    validation: { accuracy: number; dpDifference: number; epsilon: number | null };
    test: { accuracy: number; dpDifference: number };
  };
}

/** Runs a random study of a 400-row Adult sample on `backend`; returns its trials and the page's notes. */
async function studyOn(
  backend: "auto" | "wasm" | "webgpu",
  budget: number,
): Promise<{ trials: StoredTrial[]; notes: string[] }> {
  await page.goto(new URL("local.html", files.url).href);
  await page.setInputFiles("input[type=file]", {
    name: "adult-sample.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(adultCsv(400)),
  });
  await page.getByText("It stays in this browser").waitFor();
  await page.selectOption("select[name=target]", "income");
  await page.selectOption("select[name=sensitive]", "sex");
  await page.selectOption("select[name=strategy]", "random");
  await page.selectOption("select[name=backend]", backend);
  await page.fill("input[name=budget]", String(budget));
  await page.fill("input[name=workers]", "1");
  await page.fill("input[name=name]", `adult-${backend}`);
  // The page's notes pass quickly; keep every one of them.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { notes: string[] }).notes = seen;
    const region = document.querySelector("[aria-live]");
    if (region)
      new MutationObserver(() => seen.push(region.textContent ?? "")).observe(region, {
        childList: true,
        characterData: true,
        subtree: true,
      });
  });
  await page.getByRole("button", { name: "Run the study in this browser" }).click();
  await page.waitForFunction(() => document.body.dataset.studyDone !== undefined, null, {
    timeout: PATIENCE,
    polling: 500,
  });
  const notes = await page.evaluate(() => (window as unknown as { notes: string[] }).notes);
  await screenshot(page, `local-${backend}`);
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download the study file (.db)" }).click();
  const file = join(root, `${backend}.db`);
  await (await download).saveAs(file);
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare("SELECT number, params, metrics FROM trials ORDER BY number").all() as {
      number: number;
      params: string;
      metrics: string | null;
    }[];
    return {
      notes,
      trials: rows.map((row) => ({
        number: row.number,
        params: JSON.parse(row.params),
        metrics: JSON.parse(row.metrics ?? "null"),
      })),
    };
  } finally {
    db.close();
  }
}

describe("the in-browser explorer on WebGPU", options, () => {
  test("trials chosen on WebGPU train there and give the metrics they give on WebAssembly", async (t) => {
    const wasm = await studyOn("wasm", 2);
    const started = Date.now();
    const webgpu = await studyOn("webgpu", 2);
    t.diagnostic(`2 trials on SwiftShader's WebGPU: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.ok(
      webgpu.notes.some((note) => /trials train on WebGPU on the software adapter/.test(note)),
      webgpu.notes.join(" | "),
    );
    assert.equal(webgpu.trials.length, 2);
    assert.equal(wasm.trials.length, 2);
    for (const [k, trial] of webgpu.trials.entries()) {
      const reference = wasm.trials[k];
      assert.ok(trial.metrics, `trial ${k} finished on WebGPU`);
      assert.equal(trial.metrics.backend, "webgpu");
      assert.equal(reference.metrics.backend, "wasm");
      assert.deepEqual(trial.params, reference.params, `trial ${k}: the same configuration`);
      assert.equal(trial.metrics.validation.epsilon, reference.metrics.validation.epsilon);
      for (const split of ["validation", "test"] as const) {
        for (const metric of ["accuracy", "dpDifference"] as const) {
          const here = trial.metrics[split][metric];
          const there = reference.metrics[split][metric];
          assert.ok(Math.abs(here - there) <= 0.02, `trial ${k} ${split} ${metric}: ${here} vs ${there}`);
        }
      }
    }
    assert.deepEqual(errors, []);
  });

  test("automatic keeps WebAssembly on a software adapter, and says why", async () => {
    const auto = await studyOn("auto", 1);
    assert.ok(
      auto.notes.some((note) =>
        /adapter \(google swiftshader\) runs on the CPU, where WebAssembly is faster/.test(note),
      ),
      auto.notes.join(" | "),
    );
    assert.equal(auto.trials[0]?.metrics.backend, "wasm");
    assert.deepEqual(errors, []);
  });
});
