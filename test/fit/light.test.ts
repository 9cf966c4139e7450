import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("the recipe schema, its CLI options and the model metrics load without the tensor engine", () => {
  // tfjs-core creates its engine (globalThis._tfengine) when it is first imported.
  const script = `
    await import("./src/fit/recipe.ts");
    await import("./src/fit/metrics.ts");
    await import("./src/cli/recipe-options.ts");
    const loaded = "_tfengine" in globalThis;
    await import("./src/nn/index.ts");
    console.log(JSON.stringify({ loaded, detects: "_tfengine" in globalThis }));`;
  const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: root,
    encoding: "utf8",
  });
  assert.equal(result.status, 0, result.stderr);
  // The check can fail: importing the engine afterwards is detected.
  assert.deepEqual(JSON.parse(result.stdout.trim().split("\n").pop()!), { loaded: false, detects: true });
});
