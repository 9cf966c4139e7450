/**
 * The dashboard's audit and explanation pages in a real browser (Debian's chromium,
 * headless): on a model trained through the API, an audit and an explanation are
 * started from the page, followed to their end and drawn with the capabilities'
 * own figures (ROC on log–log axes, per-group vulnerability, both epsilons; the
 * training rows behind a prediction); the trial page offers the same controls and
 * shows a private trial's stored cost of privacy against its matched model, and trains
 * a model with a trial's recipe (listed and chosen for the audit once saved).
 * No console error, a label on every control, every control reachable by keyboard.
 * Screenshots go to tmp-artifacts/web.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { buildWeb } from "../../scripts/build-web.mjs";
import { type RunningServer, startServer } from "../../src/server/index.js";
import { GERMAN_CREDIT_FIXTURE, writeExplorerStudy } from "../server/fixtures.js";
import { raw, readEvents } from "../server/http.js";
import { launchChromium, needsChromium, screenshot, unreachableByKeyboard, watchErrors } from "./browser.js";

const root = mkdtempSync(join(tmpdir(), "equipoise-insights-browser-"));
const webRoot = join(root, "web");
const options = needsChromium();
const PATIENCE = 300_000;
const MODEL = "dp-model";

let browser: Browser;
let server: RunningServer;
let page: Page;
let errors: string[];

/** Controls with no label a screen reader would read. */
function unlabelledControls(p: Page): Promise<string[]> {
  return p.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>("#main input, #main select, #main textarea"))
      .filter((control) => {
        const labels = (control as HTMLInputElement).labels;
        return !(labels && labels.length > 0) && !control.getAttribute("aria-label");
      })
      .map((control) => `${control.tagName.toLowerCase()}[name=${control.getAttribute("name")}]`),
  );
}

before(async () => {
  if (options.skip) return;
  await buildWeb({ outdir: webRoot, quiet: true });
  const study = join(root, "small.db");
  await writeExplorerStudy(study, { trials: 6, seed: 3, privacyCost: true });
  // A study on data this server has (the bundled German credit), whose trials can be retrained.
  const credit = join(root, "credit.db");
  await writeExplorerStudy(credit, {
    trials: 4,
    seed: 4,
    ...GERMAN_CREDIT_FIXTURE,
  });
  server = await startServer({
    port: 0,
    workDir: join(root, "work"),
    webRoot,
    studies: [study, credit],
    pollMs: 200,
  });
  const trained = await raw(server.url, {
    method: "POST",
    path: "/api/models",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      name: MODEL,
      dataset: "german-credit",
      sensitive: ["sex"],
      recipe: { dp: true, epsilon: 3, clip: 1, epochs: 2, batch: 64 },
    }),
  });
  assert.equal(trained.status, 202, trained.body);
  const job = JSON.parse(trained.body) as { id: string };
  const events = await readEvents(
    new URL(`/api/jobs/${job.id}/events`, server.url).href,
    (seen) => ["succeeded", "failed"].includes((seen.at(-1)?.data as { state?: string })?.state ?? ""),
    PATIENCE,
  );
  const last = events.at(-1)?.data as { state?: string } | undefined;
  assert.equal(last?.state, "succeeded", JSON.stringify(last));
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
  context.setDefaultTimeout(PATIENCE);
  page = await context.newPage();
  errors = watchErrors(page);
});
after(async () => {
  await page?.context().close();
  await browser?.close();
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

async function visit(hash: string, ready: string): Promise<void> {
  await page.goto(new URL(`/${hash}`, server.url).href, { waitUntil: "domcontentloaded" });
  try {
    await page.locator(ready).first().waitFor({ timeout: PATIENCE });
  } catch (error) {
    await screenshot(page, `failed-${hash.replace(/[^a-z0-9]+/gi, "-")}`);
    throw error;
  }
}

describe("the dashboard's audit and explanation pages", options, () => {
  test("a model's page: every control labelled and reachable by keyboard", async () => {
    await visit(`#/models/${MODEL}`, "form[aria-label='privacy audit']");
    assert.equal(await page.locator("select[name=model]").inputValue(), MODEL);
    assert.deepEqual(await unlabelledControls(page), []);
    assert.deepEqual(await unreachableByKeyboard(page), []);
    await screenshot(page, "model");
    assert.deepEqual(errors, []);
  });

  test("an audit started from the page shows the ROC on log–log axes, the groups and both epsilons", async () => {
    await page.selectOption("select[name=attacks]", "loss,attribute");
    await page.fill("input[name=shadows]", "0");
    await page.getByRole("button", { name: "Start the audit" }).click();
    const audit = page.locator(".job-result .eq-audit");
    try {
      await audit.waitFor({ timeout: PATIENCE });
    } catch (error) {
      await screenshot(page, "failed-audit");
      throw error;
    }
    assert.equal(await audit.locator("svg[aria-label='ROC curves on log–log axes']").count(), 1);
    assert.ok((await audit.locator("svg[aria-label='attack AUC by group']").count()) >= 1, "per-group bars");
    const epsilons = await audit.locator(".epsilons dt").allTextContents();
    assert.match(epsilons[0], /accountant's ε/);
    assert.match(epsilons[1], /audited lower bound/);
    const accountant = Number((await audit.locator(".epsilons dd").first().textContent())?.trim());
    assert.ok(accountant > 0 && accountant <= 3 + 1e-9, `accountant's ε ${accountant}`);
    await screenshot(page, "model-audit");
    assert.deepEqual(errors, []);
  });

  test("an explanation started from the page lists the training rows behind a prediction", async () => {
    await page.selectOption("select[name=question]", "example");
    await page.fill("input[name=row]", "3");
    await page.fill("input[name=top]", "4");
    await page.check("input[name=refit]");
    await page.getByRole("button", { name: "Start the explanation" }).click();
    const explanation = page.locator(".job-result .eq-explain");
    try {
      await explanation.waitFor({ timeout: PATIENCE });
    } catch (error) {
      await screenshot(page, "failed-explanation");
      throw error;
    }
    const text = (await explanation.textContent()) ?? "";
    assert.match(text, /NOT covered by ε/, "the page says the explanation reads the rows outside ε");
    // 4 helpful and 4 harmful training rows, each with its original feature values ("age=…"), not encoded.
    assert.equal(await explanation.locator("tbody tr").count(), 8);
    assert.equal((text.match(/\bage=\d/g) ?? []).length, 8);
    assert.match(text, /Why test row 3 is predicted/);
    await screenshot(page, "model-explanation");
    assert.deepEqual(await unreachableByKeyboard(page), []);
    assert.deepEqual(errors, []);
  });

  test("a wrong question is refused with the server's one line, and nothing breaks", async () => {
    await page.selectOption("select[name=question]", "fairness");
    await page.fill("input[name=sensitive]", "");
    await page.getByRole("button", { name: "Start the explanation" }).click();
    await page.locator(".job-area .status.error").last().waitFor();
    assert.match((await page.locator(".job-area .status.error").last().textContent()) ?? "", /sensitive/);
    assert.deepEqual(
      errors.filter((e) => !/status of 400/.test(e)),
      [],
    );
  });

  test("the trial page offers the audit and the explanations; the job page draws their results", async () => {
    // A private trial, whose cost of privacy against its matched model the study stored.
    let privateTrial = -1;
    for (let n = 0; n < 6 && privateTrial < 0; n++) {
      const detail = JSON.parse((await raw(server.url, { path: `/api/studies/small/trials/${n}` })).body);
      if (detail.matchedPrivacyCost) privateTrial = n;
    }
    assert.ok(privateTrial >= 0, "the fixture has a private trial");
    await visit(`#/studies/small/trials/${privateTrial}`, "section.insights");
    await page.getByText(`Trial ${privateTrial}`).first().waitFor();
    const matched = page.getByRole("heading", { name: /Cost of privacy against the matched model \(test\)/ });
    await matched.waitFor();
    assert.match((await page.locator(".group-block", { has: matched }).textContent()) ?? "", /Female.*Male/s);
    assert.deepEqual(await unlabelledControls(page), []);
    assert.deepEqual(await unreachableByKeyboard(page), []);
    // The fixture's data set is not one of the server's: the control says so and is off.
    const trainButton = page.getByRole("button", { name: "Train a model with this trial's recipe" });
    assert.equal(await trainButton.isDisabled(), true);
    assert.match(
      (await page.locator("section.trial-model .reason").textContent()) ?? "",
      /not one of this server's data sets/,
    );
    await screenshot(page, "trial-insights");
    const { jobs } = JSON.parse((await raw(server.url, { path: "/api/jobs" })).body) as {
      jobs: { id: string; kind: string }[];
    };
    const audit = jobs.find((j) => j.kind === "audit");
    assert.ok(audit);
    await visit(`#/jobs/${audit.id}`, ".eq-audit svg");
    await screenshot(page, "job-audit");
    assert.deepEqual(
      errors.filter((e) => !/status of 400/.test(e)),
      [],
    );
  });

  test("the trial page trains a model with the trial's recipe and then offers it to the audit", async () => {
    await visit("#/studies/credit/trials/0", "section.trial-model");
    const section = page.locator("section.trial-model");
    assert.match(
      (await section.textContent()) ?? "",
      /on the whole training split.*not of the trial's own weights/s,
      "the page says what the model is",
    );
    const name = page.locator("input[name=model-name]");
    assert.equal(await name.inputValue(), "credit-trial-0");
    assert.match((await section.locator("code.command").textContent()) ?? "", /--optimizer sgd .*--seed \d+/);
    assert.deepEqual(await unlabelledControls(page), []);
    assert.deepEqual(await unreachableByKeyboard(page), []);
    // From the keyboard: focus the button and press Enter.
    await page.getByRole("button", { name: "Train a model with this trial's recipe" }).focus();
    await page.keyboard.press("Enter");
    try {
      await page.waitForFunction(
        () =>
          document.querySelector<HTMLSelectElement>("section.insights select[name=model]")?.value ===
          "credit-trial-0",
        undefined,
        { timeout: PATIENCE, polling: 250 },
      );
    } catch (error) {
      await screenshot(page, "failed-trial-model");
      throw error;
    }
    assert.match((await section.locator(".job-area .status").textContent()) ?? "", /succeeded/);
    const { models } = JSON.parse((await raw(server.url, { path: "/api/models" })).body) as {
      models: { id: string }[];
    };
    assert.ok(models.some((m) => m.id === "credit-trial-0"));
    assert.equal(
      await name.inputValue(),
      "credit-trial-0-2",
      "the next model of the recipe gets a free name",
    );
    await screenshot(page, "trial-model");
    assert.deepEqual(
      errors.filter((e) => !/status of 400/.test(e)),
      [],
    );
  });
});
