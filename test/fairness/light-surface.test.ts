/**
 * The fairness surface is light (DESIGN.md): importing src/fairness/index.ts loads no
 * tensor engine, no SQLite and no Node-only module, so that metrics run in a browser.
 * Checked at run time in a child process whose module resolutions are recorded by a
 * loader hook; CommonJS modules loaded behind an import are read from require.cache.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

/** Resolved URLs of every module the import of `entry` loads, and the CommonJS cache after it. */
function modulesLoadedBy(entry: URL): { resolved: string[]; commonJs: string[]; tfEngine: boolean } {
  const directory = mkdtempSync(join(tmpdir(), "equipoise-light-"));
  const log = join(directory, "resolved.txt");
  const hooks = `
    import { appendFileSync } from "node:fs";
    let log;
    export function initialize(data) { log = data.log; }
    export async function resolve(specifier, context, next) {
      const result = await next(specifier, context);
      appendFileSync(log, result.url + "\\n");
      return result;
    }`;
  const register = `
    import { register } from "node:module";
    register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)}, import.meta.url, {
      data: { log: ${JSON.stringify(log)} },
    });`;
  // The script's own imports resolve first; only what follows the marker is the entry's.
  const main = `
    import { appendFileSync } from "node:fs";
    import { createRequire } from "node:module";
    appendFileSync(${JSON.stringify(log)}, "--- entry\\n");
    await import(${JSON.stringify(entry.href)});
    const cache = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify({ commonJs: cache, tfEngine: globalThis._tfengine !== undefined }));`;
  try {
    const child = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "--import",
        `data:text/javascript,${encodeURIComponent(register)}`,
        "--input-type=module",
        "-e",
        main,
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    assert.equal(child.status, 0, child.stderr);
    const { commonJs, tfEngine } = JSON.parse(child.stdout.trim().split("\n").at(-1)!);
    const lines = readFileSync(log, "utf8").trim().split("\n");
    const resolved = lines.slice(lines.indexOf("--- entry") + 1);
    return { resolved, commonJs, tfEngine };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const heavy = (url: string) =>
  url.startsWith("node:") || /@tensorflow|better-sqlite3|[/\\]src[/\\](nn|train|privacy)[/\\]/.test(url);

test("importing src/fairness/index.ts loads no tfjs, SQLite or Node-only module", () => {
  const { resolved, commonJs, tfEngine } = modulesLoadedBy(
    new URL("../../src/fairness/index.ts", import.meta.url),
  );
  // The recorder must have seen the surface itself, or the check proves nothing.
  assert.ok(
    resolved.some((url) => url.endsWith("/src/fairness/metric-frame.ts")),
    resolved.join("\n"),
  );
  assert.deepEqual(resolved.filter(heavy), []);
  assert.deepEqual(commonJs.filter(heavy), []);
  assert.equal(tfEngine, false);
});

test("the recorder does see the engine behind src/fairness/training.ts (the check can fail)", () => {
  const { resolved } = modulesLoadedBy(new URL("../../src/fairness/training.ts", import.meta.url));
  assert.ok(
    resolved.some((url) => url.includes("@tensorflow")),
    resolved.join("\n"),
  );
});
