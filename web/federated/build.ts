/**
 * Bundles the browser federation client (client-entry.ts and everything it imports
 * from src/) into one ES module with esbuild. `node --import tsx web/federated/build.ts DIR`
 * writes DIR/client.js and DIR/index.html; the tests call `bundleBrowserClient()`.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));

/** The bundle's JavaScript text. */
export async function bundleBrowserClient(): Promise<string> {
  const result = await build({
    entryPoints: [join(here, "client-entry.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    minify: true,
    // The only node: module on a client's path is node:crypto's webcrypto (SecureRandom).
    alias: { "node:crypto": join(here, "node-crypto-shim.ts") },
    // The optional native and WebGPU backends are imported by a computed name; they are never bundled.
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

export const pagePath = join(here, "index.html");

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? "dist/web/federated";
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "client.js"), await bundleBrowserClient());
  copyFileSync(pagePath, join(out, "index.html"));
  console.log(`wrote ${out}/client.js and ${out}/index.html`);
}
