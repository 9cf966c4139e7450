/**
 * `equipoise audit` and `audit canaries`: the experiment, a trained model's audit, the
 * HTML page, a failed audit (a model whose file claims an ε its training never had),
 * and one line for every bad input. In process through `main` where the output is
 * what is checked; one child process for the stdout contract of --json.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parseAuditDocument } from "../../src/audit/index.js";
import { main } from "../../src/cli/main.js";
import type { Streams } from "../../src/cli/output.js";
import { toJson } from "../../src/common/json.js";
import { prepareTask } from "../../src/data/index.js";
import { fitRecipe, modelFileOf } from "../../src/fit/index.js";
import { initBackend } from "../../src/nn/index.js";
import { isOneLineError, runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "equipoise-audit-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function capture(): { streams: Streams; stdout: () => string; stderr: () => string } {
  let out = "";
  let err = "";
  return {
    streams: { stdout: (t) => void (out += t), stderr: (t) => void (err += t), stderrIsTTY: false },
    stdout: () => out,
    stderr: () => err,
  };
}

async function run(args: string[]) {
  const c = capture();
  const code = await main(args, c.streams);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

const modelPath = join(dir, "overfit.json");
const tamperedPath = join(dir, "tampered.json");
const noRecipePath = join(dir, "old.json");

/** A small model that memorises its training split (german-credit, 700 rows), saved as `train` saves it. */
before(async () => {
  await initBackend("wasm");
  const request = { data: "german-credit", sensitive: ["sex"], seed: 0 };
  const task = await prepareTask(request);
  const recipe = {
    model: "mlp:32",
    optimizer: { kind: "adam", learningRate: 0.01, schedule: "constant" },
    epochs: 60,
    batchSize: 128,
    seed: 1,
  } as const;
  const fit = fitRecipe(recipe, { train: task.train, numClasses: 2, inputShape: [task.train.X.cols] });
  const file = modelFileOf(fit, {
    preprocessor: task.preprocessor.toJSON(),
    metadata: { data: { ...request, name: task.name }, featureNames: task.featureNames },
  });
  fit.model.dispose();
  writeFileSync(modelPath, toJson(file));
  // The same weights in a file whose recipe and privacy section claim ε = 0.05: a training
  // or accounting bug that an audit must catch.
  const claimed = structuredClone(file) as typeof file & { recipe: Record<string, unknown> };
  claimed.recipe = {
    ...claimed.recipe,
    privacy: { targetEpsilon: 0.05, clip: 1, delta: 1e-5, accountant: "rdp", clipping: "flat" },
    sampling: "poisson",
  };
  claimed.metadata = { ...claimed.metadata, epsilon: 0.05, privacy: { epsilon: 0.05, delta: 1e-5 } };
  writeFileSync(tamperedPath, toJson(claimed));
  const { recipe: _recipe, ...old } = file as typeof file & { recipe?: unknown };
  writeFileSync(noRecipePath, toJson(old));
});

test("audit --model: members are the training split, the HTML page and the JSON document are written, and the model leaks", async () => {
  const out = join(dir, "audit.json");
  const html = join(dir, "audit.html");
  const result = await run([
    "audit",
    "--model",
    modelPath,
    "--data",
    "german-credit",
    "--shadows",
    "4",
    "--attack",
    "loss,lira-offline,rmia,attribute",
    "--hide",
    "personal_status",
    "--bootstrap",
    "100",
    "--engine",
    "serial",
    "--out",
    out,
    "--html",
    html,
  ]);
  assert.equal(result.code, 0, result.stderr);
  const doc = parseAuditDocument(JSON.parse(readFileSync(out, "utf8")));
  assert.equal(doc.kind, "model");
  assert.equal(doc.target.trainRows, 700);
  assert.equal(doc.setup.members, 700);
  assert.deepEqual(
    doc.attacks.map((a) => a.attack),
    ["loss", "lira-offline", "rmia"],
  );
  assert.ok(doc.attacks[0].auc.lo > 0.5, `loss AUC ${JSON.stringify(doc.attacks[0].auc)}`);
  assert.deepEqual(
    doc.attribute?.hiddenFeatures.some((f) => f.startsWith("personal_status")),
    true,
  );
  assert.match(result.stdout, /accountant's ε = ∞/);
  assert.match(result.stdout, /by sex: /);
  const page = readFileSync(html, "utf8");
  assert.match(page, /<svg[^>]*ROC curves on log–log axes/);
  assert.match(page, /accountant's ε/);
  assert.doesNotMatch(page, /<script/);
});

test("a lower bound above the accountant's ε is a failed audit: printed, written, exit 1 with one line", async () => {
  const out = join(dir, "failed.json");
  const result = await run([
    "audit",
    "--model",
    tamperedPath,
    "--data",
    "german-credit",
    "--attack",
    "loss",
    "--shadows",
    "0",
    "--bootstrap",
    "50",
    "--out",
    out,
  ]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^equipoise: AUDIT FAILED: .* above the accountant's ε = 0\.050/);
  assert.equal(result.stderr.trim().split("\n").length, 1);
  const doc = parseAuditDocument(JSON.parse(readFileSync(out, "utf8")));
  assert.equal(doc.verdict.failed, true);
  assert.ok(doc.verdict.lowerBound > 0.05);
});

test("audit --json prints one JSON document on stdout, progress on stderr", () => {
  const result = runCli([
    "audit",
    "--data",
    "german-credit",
    "--model-spec",
    "logreg",
    "--epochs",
    "3",
    "--pool",
    "200",
    "--shadows",
    "2",
    "--attack",
    "loss,lira",
    "--bootstrap",
    "50",
    "--engine",
    "serial",
    "--json",
  ]);
  assert.equal(result.code, 0, result.stderr);
  const doc = parseAuditDocument(JSON.parse(result.stdout));
  assert.equal(doc.kind, "experiment");
  assert.equal(doc.setup.candidates, 200);
  assert.equal(doc.attacks.length, 2);
  assert.match(result.stderr, /audit: 3\/3 models trained/);
});

test("bad input: one line each", async () => {
  const cases: [string[], number, RegExp][] = [
    [
      ["audit", "--data", "german-credit", "--model-spec", "logreg", "--shadows", "1", "--attack", "lira"],
      1,
      /lira attack needs at least 2 shadow models; --shadows is 1/,
    ],
    [
      ["audit", "--data", "german-credit", "--model-spec", "logreg", "--pool", "5000"],
      1,
      /--pool 5000 is larger than the training split of german-credit \(700 rows\)/,
    ],
    [["audit", "--model", noRecipePath, "--data", "german-credit"], 1, /has no training recipe/],
    [["audit", "--data", "german-credit", "--sensitive", "nosuch", "--model-spec", "logreg"], 1, /nosuch/],
    [["audit", "--data", "german-credit"], 2, /give --model MODEL.json .* or --model-spec SPEC/],
    [["audit", "--model", modelPath, "--lr", "0.1"], 2, /--lr does not apply with --model/],
    [["audit", "--model", modelPath, "--out", modelPath], 2, /is also an input of this command/],
    [["audit", "canaries", "--data", "german-credit", "--canaries", "5"], 2, /--canaries must be .*≥ 10/],
  ];
  for (const [args, code, message] of cases) {
    const result = await run(args);
    assert.ok(isOneLineError({ ...result }), `${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.code, code, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
});

test("audit canaries: a one-run bound beside the accountant's ε", async () => {
  const result = await run([
    "audit",
    "canaries",
    "--data",
    "german-credit",
    "--model-spec",
    "logreg",
    "--dp",
    "--epsilon",
    "2",
    "--clip",
    "1",
    "--optimizer",
    "sgd",
    "--lr",
    "0.5",
    "--batch",
    "64",
    "--epochs",
    "5",
    "--canaries",
    "100",
    "--json",
  ]);
  assert.equal(result.code, 0, result.stderr);
  const doc = parseAuditDocument(JSON.parse(result.stdout));
  assert.equal(doc.kind, "canaries");
  assert.ok(doc.target.epsilon <= 2 && doc.target.epsilon > 1.5);
  assert.ok(doc.canaries!.epsilonLowerBound <= doc.target.epsilon);
  assert.ok(doc.notes.some((note) => /ε covers the DP-SGD training audited here/.test(note)));
});

test("audit --model of a model trained with --test-data: its non-members are that file's rows, its columns read as in training", async () => {
  const header = "age,hours,job,note,label";
  const lines = (n: number, offset: number) =>
    Array.from({ length: n }, (_, i) => {
      const k = i + offset;
      const age = 20 + ((k * 7) % 50);
      const hours = 10 + ((k * 13) % 60);
      const job = ["clerk", "nurse", "driver"][k % 3];
      return `${age},${hours},${job},free text ${k},${age + hours / 2 > 60 ? "yes" : "no"}`;
    });
  const trainCsv = join(dir, "user-train.csv");
  const testCsv = join(dir, "user-test.csv");
  writeFileSync(trainCsv, `${[header, ...lines(150, 0)].join("\n")}\n`);
  writeFileSync(testCsv, `${[header, ...lines(90, 500)].join("\n")}\n`);
  const model = join(dir, "user-model.json");
  const trained = await run([
    "train",
    "--data",
    trainCsv,
    "--test-data",
    testCsv,
    "--target",
    "label",
    "--drop",
    "note",
    "--epochs",
    "2",
    "--out",
    model,
  ]);
  assert.equal(trained.code, 0, trained.stderr);
  const result = await run([
    "audit",
    "--model",
    model,
    "--attack",
    "loss",
    "--shadows",
    "0",
    "--bootstrap",
    "20",
    "--json",
  ]);
  assert.equal(result.code, 0, result.stderr);
  const doc = parseAuditDocument(JSON.parse(result.stdout));
  assert.equal(doc.setup.members, 150);
  assert.equal(doc.setup.nonMembers, 90);
});

test("report --audit turns an audit document into a self-contained page; anything else is refused in one line", async () => {
  const source = join(dir, "audit.json");
  const page = join(dir, "report.html");
  const result = await run(["report", "--audit", source, "--out", page]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(readFileSync(page, "utf8"), /<section class="eq-audit">/);
  const notAudit = await run(["report", "--audit", modelPath, "--out", join(dir, "x.html")]);
  assert.ok(isOneLineError(notAudit), notAudit.stderr);
  assert.match(notAudit.stderr, /is not an Equipoise audit document/);
  const both = await run(["report", "--audit", source, "--study", "s.db", "--out", join(dir, "y.html")]);
  assert.equal(both.code, 2);
});
