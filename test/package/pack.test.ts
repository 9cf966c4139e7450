/**
 * What `npm pack` would publish: the compiled library, the CLI, the bundled data sets
 * (compressed), the licence and the changelog, with types for every entry point; never
 * tests, fixtures, benchmarks, their results or sources of the web bundle.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";

interface PackedFile {
  path: string;
  size: number;
}

const root = new URL("../../", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));

function packedFiles(): PackedFile[] {
  // --ignore-scripts: `prepare` would rebuild; npm test has built dist/ already.
  const npm = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(npm.status, 0, npm.stderr);
  return JSON.parse(npm.stdout)[0].files;
}

test("the package holds the library, the CLI and compressed data, and nothing for development", () => {
  const files = packedFiles();
  const paths = new Set(files.map((f) => f.path));
  const forbidden = files.filter((f) =>
    /(^|\/)(test|tests|fixtures|bench|coverage)\/|\.test\.(js|ts|d\.ts)$|^src\/|^scripts\/|results\/.*\.json$/.test(
      f.path,
    ),
  );
  assert.deepEqual(
    forbidden.map((f) => f.path),
    [],
  );
  for (const required of ["package.json", "README.md", "LICENSE", "CHANGELOG.md", "bin/equipoise.js"])
    assert.ok(paths.has(required), `${required} is missing from the package`);
  const data = files.filter((f) => f.path.startsWith("datasets/") && !/\.(md)$/.test(f.path));
  assert.ok(data.length > 0);
  for (const file of data) assert.match(file.path, /\.gz$/, `${file.path}: bundled data must be compressed`);
});

test("every entry point has its JavaScript and its types in the package; ESM; engines", () => {
  const paths = new Set(packedFiles().map((f) => f.path));
  assert.equal(manifest.type, "module");
  assert.match(manifest.engines.node, />=\s*20/);
  for (const [subpath, target] of Object.entries(manifest.exports) as [string, Record<string, string>][]) {
    for (const condition of ["types", "default"]) {
      const file = target[condition]?.replace(/^\.\//, "");
      assert.ok(file, `${subpath} has no "${condition}" condition`);
      assert.ok(paths.has(file), `${subpath}: ${file} is not in the package`);
    }
  }
});
