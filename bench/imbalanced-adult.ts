/**
 * A data set shaped like the one of issue 10 §6 (a public data set that is not
 * bundled: about 19,000 rows, 89 % positive labels, the smaller sensitive group about
 * 6 % of rows), made from Adult so that it is reproducible on any clone: 19,000 rows
 * drawn without replacement from Adult's White and Black rows, 1,140 (6 %) Black, the
 * label `income` with positive class "<=50K" at 89 % overall (95 % in the Black group,
 * 88.6 % in the White group, near Adult's own 88 % / 74 % ordering). It is read as a
 * user's CSV file with Adult's declared metadata as the schema (public preprocessing).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRandom } from "../src/common/rng.js";
import { ADULT_COLUMNS, adultMetadata, loadAdultTable } from "../src/data/datasets/adult.js";
import type { ColumnMetadata } from "../src/data/metadata.js";
import type { TaskRequest } from "../src/data/task.js";

const QUOTA: Record<string, { positive: number; negative: number }> = {
  Black: { positive: 1_083, negative: 57 },
  White: { positive: 15_827, negative: 2_033 },
};

function textOf(
  column: ReturnType<ReturnType<typeof loadAdultTable>["table"]["column"]>,
  row: number,
): string {
  if (column.kind === "numeric") return String(column.values[row]);
  return column.categories[column.codes[row]];
}

/** Writes the CSV (seeded draw) and returns the request the explorer takes. */
export function imbalancedAdult(seed = 0): TaskRequest {
  const { table } = loadAdultTable();
  const race = table.column("race");
  const income = table.column("income");
  const pools: Record<string, number[]> = {};
  for (let r = 0; r < table.rows; r++) {
    const group = textOf(race, r);
    if (!(group in QUOTA)) continue;
    const key = `${group}/${textOf(income, r) === "<=50K" ? "positive" : "negative"}`;
    (pools[key] ??= []).push(r);
  }
  const random = createRandom(seed);
  const chosen: number[] = [];
  for (const [group, quota] of Object.entries(QUOTA)) {
    for (const side of ["positive", "negative"] as const) {
      const pool = pools[`${group}/${side}`];
      // Partial Fisher–Yates: the first quota[side] entries are a uniform draw.
      for (let i = 0; i < quota[side]; i++) {
        const j = i + Math.floor(random.uniform() * (pool.length - i));
        [pool[i], pool[j]] = [pool[j], pool[i]];
        chosen.push(pool[i]);
      }
    }
  }
  chosen.sort((a, b) => a - b);
  const columns = ADULT_COLUMNS.map((name) => table.column(name));
  const lines = [ADULT_COLUMNS.join(",")];
  for (const r of chosen) lines.push(columns.map((c) => textOf(c, r)).join(","));
  const path = join(mkdtempSync(join(tmpdir(), "equipoise-imbalanced-")), "imbalanced-adult.csv");
  writeFileSync(path, `${lines.join("\n")}\n`);
  const declared = adultMetadata();
  const metadata: Record<string, ColumnMetadata> = Object.fromEntries(
    Object.entries(declared).filter(
      ([name]) => (ADULT_COLUMNS as readonly string[]).includes(name) && name !== "income" && name !== "race",
    ),
  );
  metadata.race = { categories: ["Black", "White"], source: "the draw" };
  return { data: path, target: "income", positive: "<=50K", sensitive: ["race"], metadata };
}
