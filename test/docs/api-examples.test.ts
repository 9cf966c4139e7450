/**
 * Every `@example` in the API reference type-checks against the code it documents, so
 * the examples cannot rot as signatures change (issue 18). Each example becomes one
 * module: its `import` and `declare` lines at the top (an example that needs a trained
 * model or a user's data declares it, `declare const model: Sequential;`), the rest
 * inside an async function; `equipoise/...` resolves to the sources behind each
 * subpath export. Running them is the guide's job (test/docs/examples.test.ts); most
 * API examples need a user's file or a trained model.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

export interface ApiExample {
  /** Source file, relative to the repository, and the line of its @example tag. */
  file: string;
  line: number;
  code: string[];
}

/** The ```ts blocks that follow an @example tag in a source file's doc comments. */
export function examplesIn(file: string, text: string): ApiExample[] {
  const examples: ApiExample[] = [];
  const block = /@example\s*\n[ \t]*\*[ \t]*```(?:ts|typescript)\n((?:[ \t]*\*.*\n)*?)[ \t]*\*[ \t]*```/g;
  for (const match of text.matchAll(block)) {
    const code = match[1]
      .split("\n")
      .map((line) => line.replace(/^[ \t]*\* ?/, ""))
      .filter((line) => line.trim() !== "");
    examples.push({ file, line: text.slice(0, match.index).split("\n").length, code });
  }
  return examples;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** One module per example: imports and declarations hoisted, statements in an async function. */
export function exampleModule(example: ApiExample): string {
  const hoisted = (line: string) => /^(import|declare) /.test(line);
  return [
    `// ${example.file}:${example.line}`,
    ...example.code.filter(hoisted),
    "export async function example(): Promise<void> {",
    ...example.code.filter((line) => !hoisted(line)),
    "}",
    "",
  ].join("\n");
}

test("every @example of the source type-checks against the code it documents", () => {
  const examples = sourceFiles(join(root, "src")).flatMap((path) =>
    examplesIn(relative(root, path), readFileSync(path, "utf8")),
  );
  // The public surface has well over a thousand; finding few means the pattern broke.
  assert.ok(examples.length > 1000, `only ${examples.length} examples were found`);
  const dir = join(root, ".api-examples");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const names = examples.map((example, i) => {
    const name = `example${String(i).padStart(4, "0")}.ts`;
    writeFileSync(join(dir, name), exampleModule(example));
    return name;
  });
  const paths = {
    equipoise: ["src/index.ts"],
    "equipoise/privacy/accounting": ["src/privacy/accounting.ts"],
    "equipoise/audit/light": ["src/audit/light.ts"],
    "equipoise/*": ["src/*/index.ts"],
  };
  const compilerOptions = {
    noEmit: true,
    noUnusedLocals: false,
    noUnusedParameters: false,
    baseUrl: "..",
    paths,
  };
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({ extends: "../tsconfig.json", compilerOptions, include: ["*.ts"] }),
  );
  const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", dir], {
    cwd: root,
    encoding: "utf8",
    timeout: 600_000,
  });
  // Name the documented symbol's source line, not the generated file.
  const errors = `${tsc.stdout}${tsc.stderr}`
    .split("\n")
    .filter((line) => /error TS\d+/.test(line))
    .map((line) => {
      const name = /example(\d{4})\.ts/.exec(line);
      if (!name) return line;
      const example = examples[Number(name[1])];
      return `${example.file}:${example.line} (${names[Number(name[1])]}): ${line.replace(/^.*?error /, "error ")}`;
    });
  assert.equal(errors.length, 0, `${errors.length} type errors in @example blocks:\n${errors.join("\n")}`);
  assert.equal(tsc.status, 0, `${tsc.stdout}${tsc.stderr}`);
  rmSync(dir, { recursive: true, force: true });
});
