/**
 * Files of datasets that are not bundled: found in a local data directory, in the
 * user cache, or downloaded from their canonical address. Every file is checked
 * against its SHA-256 before use; a download goes to a temporary file that is
 * renamed only once its checksum matches, so no partial or wrong file is ever left
 * where a later run would pick it up.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { DataError } from "../common/errors.js";
import { sha256HexWebCrypto } from "./fingerprint.js";

/**
 * A file a data set downloads: its name, address and SHA-256 (hex).
 *
 * @example
 * ```ts
 * import { locateFile, type RemoteFile } from "equipoise/data";
 * const file: RemoteFile = {
 *   name: "compas-scores-two-years.csv",
 *   url: "https://raw.githubusercontent.com/propublica/compas-analysis/master/compas-scores-two-years.csv",
 *   sha256: "c451db85908b2f7fef1d83203bedf6b71ecda0d5af468d82ae62178f91d0cc7d",
 * };
 * const located = await locateFile("compas", file);
 * ```
 */
export interface RemoteFile {
  /** File name, as in the canonical download. */
  name: string;
  /** The canonical download address. */
  url: string;
  /** SHA-256 of the file, hex: a download that differs is refused. */
  sha256: string;
}

/**
 * The `fetch` used for downloads (replaceable in tests).
 *
 * @example
 * ```ts
 * import { type FetchFunction, locateFile, COMPAS_FILES } from "equipoise/data";
 * // a test double: serves fixed bytes instead of going to the network
 * declare const bytes: ArrayBuffer; // the file's content
 * const fakeFetch: FetchFunction = async () => new Response(bytes);
 * await locateFile("compas", COMPAS_FILES[0], { cacheDir: "/tmp/cache", fetch: fakeFetch });
 * ```
 */
export type FetchFunction = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

/**
 * Where a data file is looked for (a data directory, the cache) and where it may be downloaded from.
 *
 * @example
 * ```ts
 * import { COMPAS_FILES, type FileLocationOptions, locateFile } from "equipoise/data";
 * const options: FileLocationOptions = {
 *   dataDir: "data",
 *   cacheDir: "/tmp/equipoise-cache",
 *   timeoutMs: 60_000,
 *   onProgress: (file, done, total) => console.log(file, done, total ?? "?"),
 * };
 * const located = await locateFile("compas", COMPAS_FILES[0], options);
 * ```
 */
export interface FileLocationOptions {
  /** A local directory holding the files (in DIR/<dataset>/ or directly in DIR); default EQUIPOISE_DATA_DIR. */
  dataDir?: string;
  /** Where downloads are kept; default EQUIPOISE_CACHE_DIR, else $XDG_CACHE_HOME/equipoise, else ~/.cache/equipoise. */
  cacheDir?: string;
  /** Replaces the canonical base address (a mirror serving the same file names); default EQUIPOISE_DATA_MIRROR. */
  mirror?: string;
  /** Injected for tests; default the global fetch. */
  fetch?: FetchFunction;
  /** Download progress in bytes (total is null when the server does not say). */
  onProgress?: (file: string, done: number, total: number | null) => void;
  /** Milliseconds before a download is abandoned (default 10 minutes). */
  timeoutMs?: number;
}

/**
 * A data file found or downloaded: its path and where it came from.
 *
 * @example
 * ```ts
 * import { COMPAS_FILES, type LocatedFile, locateFile } from "equipoise/data";
 * const located: LocatedFile = await locateFile("compas", COMPAS_FILES[0], { dataDir: "data" });
 * located.path; // absolute path of the verified file
 * located.origin; // "data-dir", "cache" or "download"
 * ```
 */
export interface LocatedFile {
  /** Absolute path of the file. */
  path: string;
  /** Found in the data directory, in the cache, or downloaded now. */
  origin: "data-dir" | "cache" | "download";
}

/**
 * The download cache: `EQUIPOISE_CACHE_DIR`, else `$XDG_CACHE_HOME/equipoise`, else `~/.cache/equipoise`.
 *
 * @example
 * ```ts
 * import { defaultCacheDir } from "equipoise/data";
 * console.log(defaultCacheDir()); // e.g. /home/me/.cache/equipoise
 * ```
 */
export function defaultCacheDir(): string {
  if (process.env.EQUIPOISE_CACHE_DIR) return process.env.EQUIPOISE_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "equipoise");
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * SHA-256 (hex) of a file's bytes, by Web Crypto as the task fingerprints are: a
 * study can record it to notice a data file edited in place. A DataError naming the
 * file when it cannot be read.
 *
 * @example
 * ```ts
 * import { fileFingerprint } from "equipoise/data";
 * const sha256 = await fileFingerprint("data/loans.csv"); // hex; a DataError naming the file if unreadable
 * ```
 */
export async function fileFingerprint(path: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(
      code === "ENOENT" ? `file not found: ${path}` : `cannot read ${path}: ${code ?? String(error)}`,
    );
  }
  return sha256HexWebCrypto(bytes);
}

/**
 * The path of a verified copy of `file`: from the data directory, the cache, or a fresh download.
 *
 * @example
 * ```ts
 * import { COMPAS_FILES, locateFile } from "equipoise/data";
 * const { path, origin } = await locateFile("compas", COMPAS_FILES[0], { dataDir: "data" });
 * // origin: "data-dir", "cache" or "download"; the file's SHA-256 was checked in every case
 * ```
 */
export async function locateFile(
  dataset: string,
  file: RemoteFile,
  options: FileLocationOptions = {},
): Promise<LocatedFile> {
  const dataDir = options.dataDir ?? process.env.EQUIPOISE_DATA_DIR;
  if (dataDir) {
    for (const candidate of [join(dataDir, dataset, file.name), join(dataDir, file.name)]) {
      if (existsSync(candidate)) {
        await verifyFile(candidate, file.sha256);
        return { path: candidate, origin: "data-dir" };
      }
    }
  }
  const cached = join(options.cacheDir ?? defaultCacheDir(), dataset, file.name);
  if (existsSync(cached)) {
    await verifyFile(cached, file.sha256, "; delete it to download it again");
    return { path: cached, origin: "cache" };
  }
  const mirror = options.mirror ?? process.env.EQUIPOISE_DATA_MIRROR;
  const url = mirror ? new URL(file.name, mirror.endsWith("/") ? mirror : `${mirror}/`).href : file.url;
  const where = dataDir ? ` (not found in ${join(dataDir, dataset)} or ${dataDir})` : "";
  await downloadVerified(url, file.sha256, cached, options, where);
  return { path: cached, origin: "download" };
}

async function verifyFile(path: string, expected: string, advice = ""): Promise<void> {
  const actual = await sha256Hex(await readFile(path));
  if (actual !== expected) {
    throw new DataError(`${path}: SHA-256 ${actual} does not match the expected ${expected}${advice}`);
  }
}

/**
 * Downloads `url` to `destination` through a temporary file in the same directory;
 * on a checksum mismatch the temporary file is deleted and nothing is kept.
 *
 * @example
 * ```ts
 * import { COMPAS_FILES, downloadVerified } from "equipoise/data";
 * const [file] = COMPAS_FILES;
 * await downloadVerified(file.url, file.sha256, `/tmp/${file.name}`); // a checksum mismatch keeps nothing
 * ```
 */
export async function downloadVerified(
  url: string,
  expectedSha256: string,
  destination: string,
  options: FileLocationOptions = {},
  context = "",
): Promise<void> {
  const fetchFunction: FetchFunction = options.fetch ?? ((input, init) => fetch(input, init));
  const name = destination.split(/[\\/]/).pop() ?? destination;
  let bytes: Uint8Array;
  try {
    const response = await fetchFunction(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 600_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    bytes = await readBody(response, name, options.onProgress);
  } catch (error) {
    throw new DataError(
      `could not download ${name} from ${url}${context}: ${describeFetchError(error)}; ` +
        "put the file in a data directory (--data-dir DIR or EQUIPOISE_DATA_DIR) instead",
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== expectedSha256) {
    throw new DataError(
      `refusing ${name} downloaded from ${url}: SHA-256 ${actual} does not match the expected ${expectedSha256}; nothing was saved`,
    );
  }
  await mkdir(dirname(destination), { recursive: true });
  const temporary = `${destination}.${process.pid}.${Date.now()}.partial`;
  try {
    await writeFile(temporary, bytes);
    // Checked again on disk: what is renamed into place is exactly what was verified.
    const written = await sha256Hex(await readFile(temporary));
    if (written !== expectedSha256)
      throw new DataError(`${temporary}: the written file does not match its checksum`);
    await rename(temporary, destination);
  } finally {
    await rm(temporary, { force: true });
  }
}

async function readBody(
  response: Response,
  name: string,
  onProgress?: FileLocationOptions["onProgress"],
): Promise<Uint8Array> {
  const length = Number(response.headers.get("content-length"));
  const total = Number.isFinite(length) && length > 0 ? length : null;
  if (!response.body || !onProgress) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let done = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { value, done: finished } = await reader.read();
    if (finished) break;
    chunks.push(value);
    done += value.length;
    onProgress(name, done, total);
  }
  const out = new Uint8Array(done);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  const detail = cause instanceof Error ? cause.message : "";
  const message = error.name === "TimeoutError" ? "timed out" : error.message;
  return detail && !message.includes(detail) ? `${message} (${detail})` : message;
}
