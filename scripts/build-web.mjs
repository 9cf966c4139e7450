// Builds the browser side of Equipoise into dist/web (run by `npm run build`, so a
// fresh clone's `npm install` builds it, and it ships in the package):
//   index.html + dashboard.js      the dashboard served by `equipoise serve`
//   local.html + local.js          the in-browser explorer: a static page, no server
//   study-worker.js, trial-worker.js   its Web Workers
//   vendor/plotly.min.js, *.wasm   Plotly, sql.js's and tfjs' WebAssembly
//
// Node built-ins. The browser bundles import library modules (the explorer's
// trial, the study store interface, summaries) whose files also hold Node-only
// code paths: the SQLite store (better-sqlite3, node:fs) loaded only when a study
// FILE is opened, tfjs' Node platform, a worker's host name. The browser never
// takes those paths; the bundler resolves such imports to a stub whose every
// export throws "not available in the browser", so a path taken by mistake fails
// loudly instead of silently. `buildWeb` returns the list of stubbed imports and
// the test checks that no module of Equipoise beyond the known ones needs one.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);

const STUBBED = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), "better-sqlite3"]);

const ENTRIES = {
  dashboard: "web/src/dashboard/main.ts",
  local: "web/src/local/main.ts",
  "study-worker": "web/src/local/study-worker.ts",
  "trial-worker": "web/src/local/trial-worker.ts",
};

/** @param {{ outdir?: string, minify?: boolean, quiet?: boolean }} options */
export async function buildWeb(options = {}) {
  const outdir = options.outdir ?? join(root, "dist", "web");
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(join(outdir, "vendor"), { recursive: true });
  /** @type {Map<string, Set<string>>} which stubbed module each importer asked for */
  const stubbed = new Map();
  const entries = Object.entries(ENTRIES).filter(([, path]) => exists(join(root, path)));
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(entries),
    outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["chrome110", "firefox115", "safari16"],
    minify: options.minify ?? true,
    sourcemap: "linked",
    legalComments: "linked",
    metafile: true,
    logLevel: options.quiet ? "silent" : "warning",
    define: { "process.env.NODE_ENV": '"production"' },
    plugins: [
      {
        name: "node-only-stub",
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) => {
            if (!STUBBED.has(args.path)) return undefined;
            const importer = relative(root, args.importer);
            if (!stubbed.has(importer)) stubbed.set(importer, new Set());
            stubbed.get(importer).add(args.path);
            return { path: args.path, namespace: "node-only" };
          });
          build.onLoad({ filter: /.*/, namespace: "node-only" }, (args) => ({
            contents: `module.exports = new Proxy({}, { get(_, name) {
              if (name === "__esModule") return false;
              return () => { throw new Error(${JSON.stringify(args.path)} + "." + String(name) + " is not available in the browser"); };
            } });`,
            loader: "js",
          }));
        },
      },
    ],
  });
  for (const page of ["index.html", "local.html", "styles.css"]) {
    if (exists(join(root, "web", page))) copyFileSync(join(root, "web", page), join(outdir, page));
  }
  copyFileSync(require.resolve("plotly.js-dist-min"), join(outdir, "vendor", "plotly.min.js"));
  // The bundle takes sql.js's "browser" build, which loads sql-wasm-browser.wasm.
  copyFileSync(
    join(dirname(require.resolve("sql.js")), "sql-wasm-browser.wasm"),
    join(outdir, "sql-wasm-browser.wasm"),
  );
  const tfjsWasm = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"));
  for (const file of [
    "tfjs-backend-wasm.wasm",
    "tfjs-backend-wasm-simd.wasm",
    "tfjs-backend-wasm-threaded-simd.wasm",
  ]) {
    copyFileSync(join(tfjsWasm, "dist", file), join(outdir, file));
  }
  const bytes = Object.fromEntries(
    Object.entries(result.metafile.outputs)
      .filter(([file]) => file.endsWith(".js"))
      .map(([file, output]) => [relative(outdir, join(root, file)), output.bytes]),
  );
  return {
    outdir,
    bytes,
    stubbed: Object.fromEntries([...stubbed].map(([importer, modules]) => [importer, [...modules].sort()])),
  };
}

function exists(path) {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { outdir, bytes } = await buildWeb();
  const total = Object.values(bytes).reduce((a, b) => a + b, 0);
  console.log(
    `web: built ${Object.keys(bytes).length} bundles (${(total / 1e6).toFixed(1)} MB) into ${relative(root, outdir)}`,
  );
}
