/**
 * How long a user waits for the light entry points: `import { MetricFrame } from
 * "equipoise/fairness"` and `equipoise/privacy/accounting` in a fresh Node process,
 * from the built package (dist/, through the package's own `exports`), against the
 * root entry that loads the tensor engine. Median of 15 fresh processes each; the
 * process start itself (an empty import) is measured too and subtracted. Target
 * (issue "The library as a product"): ≤ 50 ms for equipoise/fairness.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { writeResults } from "./machine.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const runs = Number(process.env.LIGHT_IMPORT_RUNS ?? 15);

function importMilliseconds(specifier: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: root,
    encoding: "utf8",
  });
  if (child.status !== 0) throw new Error(child.stderr);
  return Number(child.stdout.trim().split("\n").at(-1));
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results: Record<string, number> = {};
for (const specifier of ["node:path", "equipoise/fairness", "equipoise/privacy/accounting", "equipoise"]) {
  results[specifier] = median(Array.from({ length: runs }, () => importMilliseconds(specifier)));
  console.log(
    `import("${specifier}"): median ${results[specifier].toFixed(1)} ms over ${runs} fresh processes`,
  );
}
writeResults("light-import", { runs, medianMilliseconds: results });
