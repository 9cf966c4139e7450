/**
 * The guide's examples cannot rot: every ```ts block of README.md and docs/*.md is a
 * complete program that imports the package by its published name ("equipoise",
 * "equipoise/fairness", ...), runs against the built package (npm test builds dist/
 * first) and asserts something about its output. Each runs in its own process from a
 * directory inside the package, so the names resolve through the package's own
 * `exports` exactly as they do for a user.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

interface Example {
  page: string;
  line: number;
  code: string;
}

/** The ```ts blocks of a Markdown page, with the line each starts on. */
export function examplesOf(page: string, markdown: string): Example[] {
  const examples: Example[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    examples.push({ page, line: start + 1, code: lines.slice(start, end).join("\n") });
    i = end;
  }
  return examples;
}

const pages = [
  "README.md",
  ...(existsSync(join(root, "docs"))
    ? readdirSync(join(root, "docs"))
        .filter((name) => name.endsWith(".md"))
        .map((name) => `docs/${name}`)
    : []),
];
const examples = pages.flatMap((page) => examplesOf(page, readFileSync(join(root, page), "utf8")));

describe("the guide's examples run and assert", () => {
  it("finds the examples", () => {
    assert.ok(examples.length > 0, "no ```ts examples in README.md or docs/");
  });
  const workspace = join(root, ".examples");
  for (const example of examples) {
    it(`${example.page}:${example.line}`, () => {
      assert.match(example.code, /\bassert\b/, "an example must assert something about its output");
      assert.doesNotMatch(example.code, /from "\.\.?\//, "examples import the package by name, not by path");
      mkdirSync(workspace, { recursive: true });
      const file = join(workspace, `${example.page.replace(/[/.]/g, "_")}_${example.line}.ts`);
      writeFileSync(file, example.code);
      try {
        const run = spawnSync(process.execPath, ["--import", "tsx", file], {
          cwd: root,
          encoding: "utf8",
          timeout: 300_000,
        });
        assert.equal(run.status, 0, `${example.page}:${example.line} failed:\n${run.stdout}\n${run.stderr}`);
      } finally {
        rmSync(file, { force: true });
      }
    });
  }
});
