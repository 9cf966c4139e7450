// Finds every *.test.ts under src/ and test/ and runs them with Node's built-in test
// runner through tsx. Node 20's --test does not expand globs itself.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function findTests(dir, out = []) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const filter = process.argv.slice(2);
let files = [...findTests("src"), ...findTests("test")].sort();
if (filter.length > 0) files = files.filter((f) => filter.some((p) => f.includes(p)));
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
// Node 20 runs one test file at a time on a 2-core machine (availableParallelism − 1);
// most files wait on child processes, servers or sockets, so two at a time use both cores.
const concurrency = process.env.EQUIPOISE_TEST_CONCURRENCY ?? "2";
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
