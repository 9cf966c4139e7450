import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { evaluationSchema, nasResultSchema } from "../../src/nas/schema.js";
import { isOneLineError } from "../helpers/cli.js";
import { runHere } from "../helpers/cli-in-process.js";

const work = mkdtempSync(join(tmpdir(), "equipoise-cli-nas-"));

const tiny = ["--task", "german-credit:sex", "--backend", "wasm", "--epochs", "2"];

test("nas: bad input is one line each — unknown task, unparsable or ill-fitting architecture, budget below the schedule", async () => {
  const cases: [string[], RegExp][] = [
    [["nas", "--task", "mnist:sex", "--budget", "17"], /unknown NAS task/],
    [["nas", "evaluate", ...tiny, "--arch", "mlp:width=abc"], /width/],
    [["nas", "evaluate", ...tiny, "--arch", "cnn"], /cnn|image|shape/i],
    [["nas", ...tiny, "--budget", "5"], /--budget 5 is too small.*--budget ≥ 17/],
    [["nas", ...tiny, "--objectives", "conflicting"], /does not apply/],
    [["nas", ...tiny, "--fidelity", "asha"], /--fidelity must be one of/],
    [["nas", "library", "--plan", "huge", "--out", work], /--plan must be one of/],
  ];
  for (const [args, pattern] of cases) {
    const result = await runHere(args);
    assert.ok(isOneLineError(result), `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, pattern, args.join(" "));
  }
});

test("nas evaluate --json: one architecture over seeds, with its reproducing command", async () => {
  const out = join(work, "evaluation.json");
  const result = await runHere([
    "nas",
    "evaluate",
    ...tiny,
    "--arch",
    "mlp:width=8",
    "--seeds",
    "0,1",
    "--out",
    out,
    "--json",
  ]);
  assert.equal(result.code, 0, result.stderr);
  const evaluation = evaluationSchema.parse(JSON.parse(result.stdout));
  assert.equal(evaluation.architecture, "mlp:width=8:act=relu:norm=none:dropout=0:skip=none");
  assert.equal(evaluation.seeds.length, 2);
  assert.equal(evaluation.test.accuracy?.n, 2);
  assert.match(
    evaluation.command,
    /^equipoise nas evaluate --task german-credit:sex --arch mlp:width=8:.* --seeds 0,1 --epochs 2 --json$/,
  );
  assert.deepEqual(JSON.parse(readFileSync(out, "utf8")), JSON.parse(result.stdout));
});

test("nas: successive halving on a small task, the front in the result, and a rerun resumes the study without retraining", async () => {
  const study = join(work, "nas.db");
  const args = [
    "nas",
    ...tiny,
    "--budget",
    "4",
    "--fidelity",
    "sh",
    "--eta",
    "2",
    "--rungs",
    "2",
    "--study",
    study,
    "--json",
  ];
  const first = await runHere(args);
  assert.equal(first.code, 0, first.stderr);
  const result = nasResultSchema.parse(JSON.parse(first.stdout));
  assert.equal(result.trials.length, 4);
  assert.deepEqual(result.trials.map((t) => t.state).sort(), ["complete", "complete", "pruned", "pruned"]);
  assert.ok(result.front.length >= 1);
  for (const number of result.front) {
    const trial = result.trials.find((t) => t.number === number);
    assert.equal(trial?.state, "complete");
    assert.ok(trial?.test, "front trials carry their test characterisation");
  }
  assert.deepEqual(
    result.objectives.map((o) => o.name),
    ["worst-group", "bias", "params"],
  );
  assert.ok(existsSync(study));
  const again = await runHere(args);
  assert.equal(again.code, 0, again.stderr);
  const resumed = nasResultSchema.parse(JSON.parse(again.stdout));
  assert.deepEqual(
    resumed.trials.map((t) => [t.number, t.architecture, t.objectives]),
    result.trials.map((t) => [t.number, t.architecture, t.objectives]),
  );
});

test("nas --debias-baselines: the selected architecture against the reference trained with each debiasing method, in the JSON, the text and the HTML", async () => {
  const html = join(work, "debias.html");
  const args = ["nas", ...tiny, "--budget", "2", "--fidelity", "none", "--debias-baselines", "--html", html];
  const json = await runHere([...args, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const result = nasResultSchema.parse(JSON.parse(json.stdout));
  const comparison = result.debiasing;
  assert.ok(comparison, "the result carries the comparison");
  assert.equal(comparison.metric, "worstGroupAccuracy", "German credit has no aligned/conflicting examples");
  assert.equal(comparison.reference, result.reference.test?.worstGroupAccuracy);
  assert.deepEqual(
    comparison.methods.map((m) => m.method),
    ["reweight", "group-dro", "lff", "jtt"],
  );
  if (comparison.selected) {
    const selected = result.trials.find((t) => t.number === comparison.selected?.number);
    assert.equal(comparison.selected.value, selected?.test?.worstGroupAccuracy);
  }
  assert.match(comparison.verdict, /^Architecture alone: /);
  assert.match(readFileSync(html, "utf8"), /Architecture or debiasing\?/);
  const text = await runHere(args);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /Debiasing the reference architecture: /);
});
