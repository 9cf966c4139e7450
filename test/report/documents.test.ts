/**
 * `equipoise report --document`: each capability's own command writes a small real
 * document, and report turns it into a self-contained page with that capability's
 * fragment; a mismatched, truncated or foreign document is one error line and no page.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseReportDocument, renderDocumentPage } from "../../src/report/documents.js";
import { type CliResult, isOneLineError } from "../helpers/cli.js";
import { runHere } from "../helpers/cli-in-process.js";

const work = mkdtempSync(join(tmpdir(), "equipoise-report-documents-"));
after(() => rmSync(work, { recursive: true, force: true }));

async function succeed(args: string[]): Promise<CliResult> {
  const result = await runHere(args);
  assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
  return result;
}

/** What every document page must be: offline, no script, and the fragment inside. */
function checkSelfContained(html: string): void {
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.doesNotMatch(html, /<script/i, "no script");
  assert.doesNotMatch(html, /\b(src|href)=/, "nothing loaded from elsewhere");
}

async function reportOf(source: string, name: string): Promise<{ html: string; result: CliResult }> {
  const page = join(work, `${name}.html`);
  const result = await succeed(["report", "--document", source, "--out", page]);
  return { html: readFileSync(page, "utf8"), result };
}

const paths = {
  explanation: join(work, "explanation.json"),
  interplay: join(work, "interplay.json"),
  nas: join(work, "nas.json"),
  federated: join(work, "federated.json"),
};

before(async () => {
  const explained = await succeed([
    "explain",
    "--data",
    "german-credit",
    "--example",
    "3",
    "--top",
    "3",
    "--json",
  ]);
  writeFileSync(paths.explanation, explained.stdout);
  await succeed([
    "interplay",
    "--data",
    "german-credit",
    "--sensitive",
    "sex",
    "--model",
    "logreg",
    "--epsilons",
    "4",
    "--seeds",
    "2",
    "--epochs",
    "1",
    "--batch",
    "64",
    "--methods",
    "dp-sgd",
    "--dp-seed",
    "--backend",
    "cpu",
    "--out",
    paths.interplay,
  ]);
  await succeed([
    "nas",
    "--task",
    "german-credit:sex",
    "--backend",
    "wasm",
    "--epochs",
    "2",
    "--budget",
    "4",
    "--fidelity",
    "sh",
    "--eta",
    "2",
    "--rungs",
    "2",
    "--study",
    join(work, "nas.db"),
    "--out",
    paths.nas,
  ]);
  await succeed([
    "federate",
    "--data",
    "synthetic",
    "--clients",
    "4",
    "--rounds",
    "2",
    "--workers",
    "1",
    "--report",
    paths.federated,
  ]);
});

describe("report --document", () => {
  it("an explanation: the test row and the training rows behind its prediction, readable", async () => {
    const doc = JSON.parse(readFileSync(paths.explanation, "utf8"));
    const { html, result } = await reportOf(paths.explanation, "explanation");
    checkSelfContained(html);
    assert.match(html, /class="eq-explain"/);
    assert.match(html, /<title>Equipoise explanation<\/title>/);
    // Every training row the document names appears in the page with its influence.
    for (const row of [...doc.helpful, ...doc.harmful]) assert.match(html, new RegExp(`>${row.row}<`));
    assert.match(result.stdout, /^wrote .*explanation\.html: example explanation of german-credit/);
  });

  it("an interplay study: the per-group cost with intervals, the bound and what ε does not cover", async () => {
    const doc = JSON.parse(readFileSync(paths.interplay, "utf8"));
    const { html, result } = await reportOf(paths.interplay, "interplay");
    checkSelfContained(html);
    assert.match(html, /class="equipoise-interplay"/);
    for (const group of doc.study.groups as string[]) assert.match(html, new RegExp(`<tr><td>${group}</td>`));
    assert.match(html, /Bound \(Mangold et al\. 2023\)/);
    assert.match(html, /Not covered by ε/);
    assert.match(result.stdout, /1 ε × method cells over 2 seeds, groups of sex/);
  });

  it("an architecture search: the reference and the front's architectures", async () => {
    const doc = JSON.parse(readFileSync(paths.nas, "utf8"));
    const { html } = await reportOf(paths.nas, "nas");
    checkSelfContained(html);
    assert.match(html, /Architecture search on german-credit:sex/);
    for (const number of doc.front as number[]) {
      const trial = doc.trials.find((t: { number: number }) => t.number === number);
      assert.ok(html.includes(trial.architecture), `front architecture ${trial.architecture} shown`);
    }
  });

  it("a federated run: the per-round charts and the final accuracy", async () => {
    const doc = JSON.parse(readFileSync(paths.federated, "utf8"));
    const { html } = await reportOf(paths.federated, "federated");
    checkSelfContained(html);
    assert.match(html, /class="equipoise-federated"/);
    assert.ok(html.includes(`<b>${doc.final.accuracy.toFixed(4)}</b>`));
    assert.ok((html.match(/<svg /g)?.length ?? 0) >= 1);
  });

  it("--out FILE.json writes the validated document back, which reads the same", async () => {
    const copy = join(work, "interplay-copy.json");
    await succeed(["report", "--document", paths.interplay, "--out", copy]);
    const original = parseReportDocument(JSON.parse(readFileSync(paths.interplay, "utf8")), "original");
    const again = parseReportDocument(JSON.parse(readFileSync(copy, "utf8")), "copy");
    assert.equal(renderDocumentPage(again), renderDocumentPage(original));
  });

  it("bad input is one line and writes nothing: not JSON, a foreign document, a truncated one, a mismatch", async () => {
    const notJson = join(work, "not.json");
    writeFileSync(notJson, "{ nope");
    const foreign = join(work, "foreign.json");
    writeFileSync(foreign, JSON.stringify({ format: "something-else", rows: [] }));
    const truncated = join(work, "truncated.json");
    const interplay = JSON.parse(readFileSync(paths.interplay, "utf8"));
    delete interplay.study.cells[0].clipping;
    writeFileSync(truncated, JSON.stringify(interplay));
    const wrongVersion = join(work, "wrong-version.json");
    writeFileSync(
      wrongVersion,
      JSON.stringify({ ...JSON.parse(readFileSync(paths.nas, "utf8")), version: 2 }),
    );
    const cases: [string[], RegExp][] = [
      [["--document", notJson], /not\.json is not valid JSON/],
      [["--document", foreign], /is not an Equipoise document report can show; it reads: audit/],
      [["--document", truncated], /is not a valid interplay study document: .* at study\.cells\.0\.clipping/],
      [["--document", wrongVersion], /is not a valid architecture search result document: .* at version/],
      [
        ["--audit", paths.nas],
        /is an architecture search result document, not an audit: give it with --document/,
      ],
      [["--audit", foreign], /is not an Equipoise audit document/],
      [["--document", join(work, "missing.json")], /--document: no such file/],
    ];
    for (const [args, pattern] of cases) {
      const page = join(work, "refused.html");
      const result = await runHere(["report", ...args, "--out", page]);
      assert.ok(isOneLineError(result), `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, pattern, args.join(" "));
      assert.equal(existsSync(page), false, "no page for a refused document");
    }
    const both = await runHere(["report", "--document", paths.nas, "--study", "s.db", "--out", "x.html"]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give one of --study, --document or --audit, not --study and --document/);
  });
});
