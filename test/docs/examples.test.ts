/**
 * The guide's examples cannot rot: every ```ts block of README.md and docs/*.md is a
 * complete program that imports the package by its published name ("equipoise",
 * "equipoise/fairness", ...), runs against the built package (npm test builds dist/
 * first) and asserts something about its output. Each runs in its own process from a
 * directory inside the package, so the names resolve through the package's own
 * `exports` exactly as they do for a user.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
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

/** Runs one example in its own process; resolves with its exit code and output. */
function runExample(file: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", file], { cwd: root, timeout: 300_000 });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, output }));
  });
}

// Most of an example's time is spent starting Node and tsx and waiting on its own worker
// threads or sockets: two at a time keep both cores busy (as scripts/run-tests.mjs does
// with test files) and halve the wall time of the guide.
describe("the guide's examples run and assert", { concurrency: 2 }, () => {
  it("finds the examples", () => {
    assert.ok(examples.length > 0, "no ```ts examples in README.md or docs/");
  });
  it("every guide page has at least one runnable example", () => {
    const guidePages = pages.filter((page) => page.startsWith("docs/") && page !== "docs/README.md");
    const without = guidePages.filter((page) => !examples.some((example) => example.page === page));
    assert.deepEqual(without, [], `guide pages without a \`\`\`ts example: ${without.join(", ")}`);
  });
  const workspace = join(root, ".examples");
  for (const example of examples) {
    it(`${example.page}:${example.line}`, async () => {
      assert.match(example.code, /\bassert\b/, "an example must assert something about its output");
      assert.doesNotMatch(example.code, /from "\.\.?\//, "examples import the package by name, not by path");
      mkdirSync(workspace, { recursive: true });
      const file = join(workspace, `${example.page.replace(/[/.]/g, "_")}_${example.line}.ts`);
      writeFileSync(file, example.code);
      try {
        const run = await runExample(file);
        assert.equal(run.status, 0, `${example.page}:${example.line} failed:\n${run.output}`);
      } finally {
        rmSync(file, { force: true });
      }
    });
  }
});
