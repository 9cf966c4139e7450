import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../..", import.meta.url));
const entry = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));

/** CommonJS packages a fresh process has loaded after importing `module` (tfjs-core and better-sqlite3 are CommonJS). */
function packagesLoadedBy(module: string): { tensorflow: number; sqlite: number } {
  const script = `
    import { createRequire } from "node:module";
    import { pathToFileURL } from "node:url";
    const require = createRequire(import.meta.url);
    await import(pathToFileURL(${JSON.stringify(module)}).href);
    const loaded = Object.keys(require.cache);
    console.log(JSON.stringify({
      tensorflow: loaded.filter((p) => p.includes("@tensorflow")).length,
      sqlite: loaded.filter((p) => p.includes("better-sqlite3")).length,
    }));`;
  const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: root,
    encoding: "utf8",
  });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}");
}

test("importing privacy/accounting loads neither tfjs nor better-sqlite3 (the full privacy surface does load tfjs)", () => {
  assert.deepEqual(packagesLoadedBy(entry("privacy/accounting.ts")), { tensorflow: 0, sqlite: 0 });
  // The check can fail: the DP-SGD side of privacy/index.ts pulls in the tensor engine.
  assert.ok(packagesLoadedBy(entry("privacy/index.ts")).tensorflow > 0);
});

test("privacy/accounting bundles for the browser: no Node built-ins, no packages at all", async () => {
  const result = await build({
    entryPoints: [entry("privacy/accounting.ts")],
    absWorkingDir: root,
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.length > 10, `${inputs.length} inputs`);
  assert.deepEqual(
    inputs.filter((path) => !path.startsWith("src/")),
    [],
  );
  // The bundle really works without Node: it calibrates and draws noise from Web Crypto.
  const module = await import(
    `data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString("base64")}`
  );
  const calibration = module.calibrateNoise({ targetEpsilon: 1, delta: 1e-5, sampleRate: 0.01, steps: 100 });
  assert.ok(calibration.epsilon <= 1 && calibration.noise > 0);
  const values = new Float64Array(8);
  module.secureGaussianNoise().add(values, 1);
  assert.ok(values.some((v: number) => v !== 0));
});
