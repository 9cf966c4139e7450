/**
 * Registers tfjs' own gradient functions so that tf.grads works (the node bundle of
 * tfjs-core ships without them, and the engine itself never needs them). The ESM
 * sources in dist/ cannot be imported by Node directly (extensionless imports), so
 * they are bundled once with esbuild (a dependency of tsx). tfjs keeps its engine and
 * gradient registry on globalThis, so the bundled copy registers into the same engine.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

let loaded: Promise<void> | undefined;

export function registerAutodiffGradients(): Promise<void> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const entry = join(require.resolve("@tensorflow/tfjs-core"), "..", "register_all_gradients.js");
    const { build } = await import("esbuild");
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      format: "esm",
      platform: "node",
      write: false,
      logLevel: "silent",
    });
    const file = join(mkdtempSync(join(tmpdir(), "equipoise-grads-")), "gradients.mjs");
    writeFileSync(file, result.outputFiles[0].text);
    await import(pathToFileURL(file).href);
  })();
  return loaded;
}
