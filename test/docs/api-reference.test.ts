/**
 * The API reference covers the whole published surface and leaves nothing in it
 * undocumented: typedoc.json's entry points are exactly the sources behind package.json
 * "exports", and TypeDoc's validation (undocumented exports, types referenced but not
 * exported, broken {@link}s) passes — typedoc.json treats its warnings as errors, so
 * `npm run docs` fails on the same problems. Every exported symbol (function, class,
 * constant, schema, interface, type) also shows a short @example (issue 18).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  Application,
  type Comment,
  DeclarationReflection,
  Logger,
  LogLevel,
  type ProjectReflection,
  type Reflection,
  ReflectionKind,
} from "typedoc";

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

/** The warnings and errors TypeDoc logs, kept so that the test can name them. */
class CollectingLogger extends Logger {
  readonly problems: string[] = [];
  override log(message: string, level: LogLevel): void {
    // Source links need a git remote; a fresh clone or a tarball may have none, and that
    // says nothing about the documentation.
    if (level >= LogLevel.Warn && !/git remote/.test(message)) this.problems.push(message);
  }
}

/** One conversion of the public surface (without TypeScript's own diagnostics: npm run
 * typecheck has them), validated as `npm run docs` validates it. 15 s of CPU. */
async function convertPublicSurface(): Promise<{ project: ProjectReflection; problems: string[] }> {
  const app = await Application.bootstrap({ options: `${root}typedoc.json`, skipErrorChecking: true });
  const logger = new CollectingLogger();
  app.logger = logger;
  const project = await app.convert();
  assert.ok(project, `TypeDoc could not convert the entry points:\n${logger.problems.join("\n")}`);
  app.validate(project);
  return { project, problems: logger.problems };
}

const EXPORTED_SYMBOLS =
  ReflectionKind.Variable |
  ReflectionKind.Function |
  ReflectionKind.Class |
  ReflectionKind.Interface |
  ReflectionKind.TypeAlias |
  ReflectionKind.Enum;

/** Whether a symbol's own comment, or one of its call signatures' comments, has an @example. */
function hasExample(reflection: Reflection): boolean {
  const comments: (Comment | undefined)[] = [reflection.comment];
  if (reflection instanceof DeclarationReflection) {
    comments.push(...(reflection.signatures ?? []).map((signature) => signature.comment));
    const type = reflection.type;
    if (type?.type === "reflection")
      comments.push(...(type.declaration.signatures ?? []).map((s) => s.comment));
  }
  return comments.some((comment) => comment?.blockTags.some((tag) => tag.tag === "@example") ?? false);
}

test("TypeDoc finds every export documented with an example, every referenced type exported and every link valid", async () => {
  const { project, problems } = await convertPublicSurface();
  assert.deepEqual(problems, [], `npm run docs reports:\n${problems.join("\n")}`);
  const symbols = project.getReflectionsByKind(EXPORTED_SYMBOLS);
  // The surface is large; a conversion that silently lost an entry point would pass the rest.
  assert.ok(symbols.length > 1000, `only ${symbols.length} exported symbols were found`);
  const withoutExample = symbols
    .filter((symbol) => !hasExample(symbol))
    .map((symbol) => {
      const source = symbol instanceof DeclarationReflection ? symbol.sources?.[0] : undefined;
      return `${source ? `${source.fileName}:${source.line} ` : ""}${symbol.name}`;
    });
  assert.deepEqual(withoutExample, [], `${withoutExample.length} exported symbols have no @example`);
});
