import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  evaluateArchitecture,
  evaluationCommand,
  meanInterval,
  studentT975,
} from "../../src/nas/evaluate.js";
import { renderLibraryHtml } from "../../src/nas/html.js";
import { buildCatalogue, classify } from "../../src/nas/library.js";
import { type ArchitectureEvaluation, type CatalogueEntry, catalogueSchema } from "../../src/nas/schema.js";
import { loadNasTask } from "../../src/nas/tasks.js";
import { TRAINING_DEFAULTS } from "../../src/nas/train.js";
import { initBackend } from "../../src/nn/index.js";

const committed = fileURLToPath(new URL("../../library/catalogue.json", import.meta.url));

before(async () => {
  await initBackend("wasm");
});

test("95% Student-t interval of a mean (scipy.stats.t.interval(0.95, 2, mean, sem) of 0.1, 0.2, 0.4)", () => {
  const interval = meanInterval([0.1, 0.2, 0.4]);
  assert.ok(Math.abs(interval.mean - 0.23333333333333336) < 1e-12);
  assert.ok(Math.abs(interval.sd - 0.1527525231651947) < 1e-12);
  assert.ok(Math.abs(interval.low - -0.14612497002634264) < 1e-8);
  assert.ok(Math.abs(interval.high - 0.6127916366930094) < 1e-8);
  assert.deepEqual(meanInterval([0.5]), { mean: 0.5, sd: 0, low: 0.5, high: 0.5, n: 1 });
  assert.equal(studentT975(1), 12.706204736);
  assert.equal(studentT975(500), 1.959963985);
});

function evaluation(architecture: string, hash: string, gaps: number[]): ArchitectureEvaluation {
  return {
    format: "equipoise-nas-evaluation",
    version: 1,
    task: "spurious-adult:0.95",
    architecture,
    hash,
    debias: "none",
    settings: TRAINING_DEFAULTS.tabular,
    images: {},
    cost: { parameters: 10, flops: 20 },
    seeds: gaps.map((gap, seed) => ({
      seed,
      seconds: 1,
      validation: {
        rows: 1,
        accuracy: 1,
        attributeGroups: [],
        biasGap: gap,
        worstGroupAccuracy: 1,
        worstGroup: "x",
        flipRate: null,
      },
      test: {
        rows: 1,
        accuracy: 1,
        attributeGroups: [],
        biasGap: gap,
        worstGroupAccuracy: 1,
        worstGroup: "x",
        flipRate: null,
      },
    })),
    test: { biasGap: meanInterval(gaps) },
    validation: { biasGap: meanInterval(gaps) },
    command: "equipoise nas evaluate ...",
    backend: "wasm",
  };
}

test("classification against the reference: repelling / attracting only when the intervals do not overlap; rank by mean gap", () => {
  const reference = evaluation(
    "mlp:width=64,64:act=relu:norm=none:dropout=0:skip=none",
    "r",
    [0.3, 0.31, 0.32],
  );
  const low = evaluation("mlp:width=16:act=relu:norm=none:dropout=0:skip=none", "a", [0.1, 0.11, 0.12]);
  const high = evaluation("mlp:width=32:act=relu:norm=none:dropout=0:skip=none", "b", [0.5, 0.52, 0.51]);
  const overlapping = evaluation(
    "mlp:width=8:act=relu:norm=none:dropout=0:skip=none",
    "c",
    [0.15, 0.35, 0.55],
  );
  assert.equal(classify(reference, reference), "reference");
  assert.equal(classify(low, reference), "bias-repelling");
  assert.equal(classify(high, reference), "bias-attracting");
  assert.equal(classify(overlapping, reference), "neutral");
  const catalogue = buildCatalogue(
    [{ task: "spurious-adult:0.95", description: "d", evaluations: [high, reference, overlapping, low] }],
    "test machine",
    "2026-01-01T00:00:00Z",
  );
  assert.deepEqual(
    catalogue.benchmarks[0].entries.map((e) => [e.hash, e.rank, e.classification]),
    [
      ["a", 1, "bias-repelling"],
      ["r", 2, "reference"],
      ["c", 3, "neutral"],
      ["b", 4, "bias-attracting"],
    ],
  );
  const html = renderLibraryHtml({ ...catalogue, machine: "<script>" });
  assert.ok(html.includes("&lt;script&gt;") && !html.includes("<script>"));
  assert.ok(html.includes("bias-repelling") && html.includes("equipoise nas evaluate"));
});

test("the committed catalogue is valid, and one small entry is reproduced by its command within its stated interval", async () => {
  const catalogue = catalogueSchema.parse(JSON.parse(readFileSync(committed, "utf8")));
  const benchmark = catalogue.benchmarks.find((b) => b.task === "german-credit:sex");
  assert.ok(benchmark, "the catalogue has the German credit benchmark");
  // The smallest entry whose seeds disagree (an entry that always predicts the majority reproduces trivially).
  const entry = benchmark.entries
    .filter((e) => (e.test.accuracy?.sd ?? 0) > 0)
    .reduce((a: CatalogueEntry, b) => (b.cost.parameters < a.cost.parameters ? b : a));
  const task = await loadNasTask(entry.task);
  assert.equal(
    entry.command,
    evaluationCommand(
      entry.task,
      entry.architecture,
      { seeds: entry.seeds.map((s) => s.seed), settings: entry.settings },
      TRAINING_DEFAULTS.tabular,
    ),
  );
  const again = evaluateArchitecture(task, entry.architecture, {
    seeds: entry.seeds.map((s) => s.seed),
    settings: entry.settings,
  });
  assert.equal(again.hash, entry.hash);
  assert.deepEqual(again.cost, entry.cost);
  for (const [metric, stated] of Object.entries(entry.test)) {
    const measured = again.test[metric as keyof typeof again.test];
    assert.ok(measured, `${metric} measured again`);
    assert.ok(
      measured.mean >= stated.low - 1e-9 && measured.mean <= stated.high + 1e-9,
      `${metric}: ${measured.mean} outside the stated [${stated.low}, ${stated.high}]`,
    );
  }
});
