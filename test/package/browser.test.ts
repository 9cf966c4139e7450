/**
 * `equipoise/browser` is a promise that the entry point runs in a page: it is bundled here
 * with esbuild for the browser platform, and any import of a Node built-in, SQLite,
 * PostgreSQL's driver or the tensor engine's Node bindings fails the test with the module
 * that asked for it. The bundle is then evaluated in a bare V8 context (no `require`,
 * no `process`, no Node globals; only what a browser also has) and its accountant and
 * fairness metric are checked against reference values.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { createContext, runInContext } from "node:vm";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("../../", import.meta.url));
const NODE_ONLY = new Set([
  ...builtinModules,
  ...builtinModules.map((name) => `node:${name}`),
  "better-sqlite3",
  "pg",
  "@tensorflow/tfjs-node",
  "@hono/node-server",
]);

/** Bundles `entry` for browsers; returns the code and every Node-only import with its importer. */
async function bundleForBrowser(entry: string): Promise<{ code: string; nodeOnly: string[] }> {
  const nodeOnly: string[] = [];
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "iife",
    globalName: "equipoise",
    platform: "browser",
    target: ["chrome110", "firefox115", "safari16"],
    logLevel: "silent",
    plugins: [
      {
        name: "refuse-node-only",
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) => {
            if (!NODE_ONLY.has(args.path)) return undefined;
            nodeOnly.push(`${args.importer.replace(root, "")} imports ${args.path}`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  return { code: result.outputFiles[0].text, nodeOnly };
}

test("the package exports the browser entry point with its types", () => {
  const manifest = JSON.parse(readFileSync(`${root}package.json`, "utf8"));
  assert.deepEqual(manifest.exports["./browser"], {
    types: "./dist/browser/index.d.ts",
    default: "./dist/browser/index.js",
  });
});

test("equipoise/browser bundles for the browser platform without any Node-only module", async () => {
  const { nodeOnly } = await bundleForBrowser("src/browser/index.ts");
  assert.deepEqual(nodeOnly, [], "a Node-only import reached the browser entry point");
});

test("the check sees Node-only imports: the full search surface (its SQLite and PostgreSQL stores) is refused", async () => {
  const { nodeOnly } = await bundleForBrowser("src/search/index.ts");
  assert.ok(
    nodeOnly.some((line) => /better-sqlite3/.test(line)) && nodeOnly.some((line) => /node:fs/.test(line)),
    nodeOnly.join("\n"),
  );
});

test("the bundle runs in a bare JavaScript context: accountants and fairness metrics give the reference values", async () => {
  const { code } = await bundleForBrowser("src/browser/index.ts");
  // What a page offers and this code may use: Web Crypto and the encoders. No require, process, Buffer.
  const page = createContext({ crypto: globalThis.crypto, TextEncoder, TextDecoder, console });
  runInContext(code, page);
  const result = runInContext(
    `(() => {
      const { accounting, fairness, search, toJson } = equipoise;
      const rdp = accounting.createAccountant("rdp");
      rdp.step(0.01, 1.0, 1000);
      const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
      const tpr = new fairness.MetricFrame({
        metrics: ["true_positive_rate"],
        yTrue: [1, 0, 1, 1, 0, 0, 1, 0],
        yPred: [1, 0, 1, 0, 0, 1, 1, 0],
        sensitiveFeatures: [sex],
      }).differenceOf("true_positive_rate");
      const volume = search.hypervolume([[0.5, 0.5]], [1, 1]);
      return { epsilon: rdp.epsilon(1e-5), tpr, volume, json: toJson({ e: Infinity }), hasRequire: typeof require };
    })()`,
    page,
  );
  // Opacus 1.4.0's RDP ε for (q = 0.01, σ = 1, 1,000 steps, δ = 1e-5): 2.1013652716430564.
  assert.ok(Math.abs(result.epsilon - 2.1013652716430564) < 1e-9, `${result.epsilon}`);
  assert.ok(Math.abs(result.tpr - 1 / 3) < 1e-15); // F: 2/3, M: 1/1
  assert.equal(result.volume, 0.25);
  assert.equal(result.json, '{"e":"Infinity"}');
  assert.equal(result.hasRequire, "undefined");
});
