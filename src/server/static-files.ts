/**
 * The dashboard's built files (scripts/build-web.mjs writes them to dist/web),
 * served by the API's own process. Only files inside the web folder are served;
 * a path that leaves it is refused.
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context } from "hono";
import { errorResponse } from "./app.js";
import { HttpError } from "./http-error.js";

const MEDIA_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * dist/web of this installation: beside dist/server when compiled, or the
 * repository's dist/web when run from source. A folder counts only if it holds a
 * built bundle (the sources in web/ are not servable).
 */
export function defaultWebRoot(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "..", "web"), join(here, "..", "..", "dist", "web")];
  return candidates.find((dir) => existsSync(join(dir, "dashboard.js"))) ?? null;
}

export function serveDashboardFile(c: Context, webRoot: string | null): Response {
  if (!webRoot) {
    return c.html(
      '<!doctype html><title>Equipoise</title><p>The dashboard\'s files are not built: run <code>npm run build</code>. The API answers under <a href="/api/openapi.json">/api</a>.</p>',
      503,
    );
  }
  let path: string;
  try {
    path = decodeURIComponent(c.req.path);
  } catch {
    return errorResponse(c, new HttpError(400, "malformed path"));
  }
  if (path === "/" || path === "") path = "/index.html";
  if (path.includes("\0")) return errorResponse(c, new HttpError(400, "malformed path"));
  const root = realpathSync(webRoot);
  const target = resolve(root, `.${path}`);
  const rel = relative(root, target);
  if (rel.startsWith("..") || rel.includes(`..${sep}`) || resolve(root, rel) !== target) {
    return errorResponse(c, new HttpError(403, "refusing a path outside the dashboard's files"));
  }
  if (!existsSync(target) || !statSync(target).isFile() || !realpathSync(target).startsWith(root + sep)) {
    return errorResponse(c, new HttpError(404, `no such file: ${path}`));
  }
  const type = MEDIA_TYPES[extname(target).toLowerCase()] ?? "application/octet-stream";
  // Built files carry no secrets and change only with a new build: cached for a session.
  return c.body(readFileSync(target), 200, { "content-type": type, "cache-control": "no-cache" });
}
