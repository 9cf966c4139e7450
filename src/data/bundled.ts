/** Files shipped inside the package under datasets/ (gzipped). */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { DataError } from "../common/errors.js";

let cachedRoot: string | undefined;

/** The package's datasets/ folder: found by walking up from this module (src/data or dist/data). */
export function bundledDatasetsDir(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++) {
    const candidate = join(dir, "datasets");
    if (existsSync(join(candidate, "adult"))) return (cachedRoot = candidate);
    dir = dirname(dir);
  }
  throw new DataError("the bundled datasets folder is missing from this installation of equipoise");
}

/** The text of a bundled gzipped file, e.g. readBundledText("adult", "adult.data"). */
export function readBundledText(dataset: string, file: string): string {
  const path = join(bundledDatasetsDir(), dataset, `${file}.gz`);
  if (!existsSync(path)) throw new DataError(`bundled file ${path} is missing`);
  return gunzipSync(readFileSync(path)).toString("utf8");
}
