/**
 * The server writes only inside the folders it owns (studies, uploads, models, job
 * results), and names every file itself from a validated plain name. `inside` is
 * the last line of defence: whatever the name, the resolved path must stay in the
 * folder, through symbolic links too, or the request is refused.
 */
import { existsSync, mkdirSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { HttpError } from "./http-error.js";
import { SAFE_NAME } from "./requests.js";

/** `folder/name`, refused (403) unless `name` is a plain name and the path stays inside `folder`. */
export function inside(folder: string, fileName: string): string {
  const stem = fileName.replace(/\.[A-Za-z0-9]{1,8}$/, "");
  if (!SAFE_NAME.test(stem) || basename(fileName) !== fileName) {
    throw new HttpError(403, `refusing the file name '${fileName.slice(0, 80)}': not a plain name`);
  }
  const root = realpathSync(folder);
  const target = resolve(root, fileName);
  const parent = existsSync(target) ? dirname(realpathSync(target)) : dirname(target);
  const rel = relative(root, parent);
  if (rel !== "" || isAbsolute(rel)) {
    throw new HttpError(403, `refusing the file name '${fileName.slice(0, 80)}': it leaves its folder`);
  }
  return join(root, fileName);
}

/**
 * The server's working folders under `root`, created if missing.
 *
 * @example
 * ```ts
 * import { type WorkFolders, startServer } from "equipoise/server";
 * const server = await startServer({ port: 0, workDir: "work" });
 * const folders: WorkFolders = server.folders; // work/studies, work/uploads, work/models, work/jobs (absolute)
 * console.log(folders.studies, folders.models);
 * await server.close();
 * ```
 */
export interface WorkFolders {
  root: string;
  studies: string;
  uploads: string;
  models: string;
  jobs: string;
}

export function workFolders(root: string): WorkFolders {
  const absolute = resolve(root);
  const folders = {
    root: absolute,
    studies: join(absolute, "studies"),
    uploads: join(absolute, "uploads"),
    models: join(absolute, "models"),
    jobs: join(absolute, "jobs"),
  };
  for (const folder of Object.values(folders)) mkdirSync(folder, { recursive: true });
  // Canonical spellings, so that a path the server builds and one it lists compare equal.
  return Object.fromEntries(
    Object.entries(folders).map(([key, folder]) => [key, realpathSync(folder)]),
  ) as unknown as WorkFolders;
}
