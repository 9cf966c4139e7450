/**
 * The API reference covers the whole published surface and leaves nothing in it
 * undocumented: typedoc.json's entry points are exactly the sources behind package.json
 * "exports", and TypeDoc's validation (undocumented exports, types referenced but not
 * exported, broken {@link}s) passes — typedoc.json treats its warnings as errors, so
 * `npm run docs` fails on the same problems.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const readJson = (name: string) => JSON.parse(readFileSync(`${root}${name}`, "utf8"));

/** The source file behind each subpath export: ./dist/x/index.js ← src/x/index.ts. */
export function sourcesOfExports(exports: Record<string, { default: string }>): string[] {
  return Object.values(exports).map((target) => {
    const match = /^\.\/dist\/(.+)\.js$/.exec(target.default);
    assert.ok(match, `an export outside dist/: ${target.default}`);
    return `src/${match[1]}.ts`;
  });
}

test("the reference's entry points are the package's public subpaths, no more and no fewer", () => {
  const sources = sourcesOfExports(readJson("package.json").exports).sort();
  const entryPoints = [...readJson("typedoc.json").entryPoints].sort();
  assert.deepEqual(entryPoints, sources);
});

test("TypeDoc finds every export documented, every referenced type exported and every link valid", () => {
  // A full conversion, without TypeScript's own diagnostics (npm run typecheck has them):
  // 14 s of CPU, 30 s on a 2-core machine at load 13.
  const args = [`${root}node_modules/typedoc/bin/typedoc`, "--emit", "none", "--skipErrorChecking"];
  const typedoc = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: "utf8",
    timeout: 300_000,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  const output = `${typedoc.stdout}\n${typedoc.stderr}`;
  const problems = output
    .split("\n")
    .filter((line) =>
      /does not have any documentation|but not included in the documentation|Failed to resolve link|\[error\]/.test(
        line,
      ),
    );
  assert.deepEqual(problems, [], `npm run docs reports:\n${problems.join("\n")}`);
  assert.equal(typedoc.status, 0, output);
});
