/**
 * `startServer`: the dashboard's HTTP server (Hono on Node's http module), bound
 * to 127.0.0.1 unless told otherwise. Any other address requires a token; one is
 * generated when none is given. Closing it stops its jobs (each study leaves its
 * store cleanly) and ends open event streams.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { UsageError, UserError } from "../common/errors.js";
import { createApp } from "./app.js";
import { checkTokenStrength, generateToken, isLocalHost } from "./auth.js";
import type { ServerContext } from "./context.js";
import { DatasetStore } from "./datasets.js";
import { EventStreams } from "./events.js";
import { JobManager } from "./jobs/manager.js";
import { type WorkFolders, workFolders } from "./paths.js";
import { defaultWebRoot } from "./static-files.js";
import { StudyCatalog } from "./studies.js";

/**
 * Options of {@link startServer}; only `workDir` is required.
 *
 * @example
 * ```ts
 * import { type ServeOptions, startServer } from "equipoise/server";
 * const options: ServeOptions = {
 *   host: "0.0.0.0", // not loopback: a token is required (generated, since none is given)
 *   port: 8080,
 *   workDir: "work",
 *   studies: ["adult.db"],
 *   maxJobs: 2,
 * };
 * const server = await startServer(options);
 * ```
 */
export interface ServeOptions {
  /** Default 127.0.0.1. Any other address requires a token. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** The token for a non-loopback bind (generated when absent). */
  token?: string;
  /** Ask for a token even on the loopback address. */
  requireToken?: boolean;
  /** Study files to show, besides those in the work folder. */
  studies?: string[];
  /** Where new studies, uploads, trained models and finished jobs are kept. */
  workDir: string;
  /** The built dashboard (default: this installation's dist/web). */
  webRoot?: string | null;
  /** Where the bundled datasets are read from (default: this installation's datasets folder). */
  dataDir?: string;
  /** Jobs running at once (default 1). */
  maxJobs?: number;
  /** Largest JSON body (default 1 MiB) and upload (default 64 MiB). */
  maxJsonBytes?: number;
  /** Largest upload in bytes (default 64 MiB). */
  maxUploadBytes?: number;
  /** How often live views look for changes, in ms (default 500). */
  pollMs?: number;
}

/**
 * A server started by {@link startServer}.
 *
 * @example
 * ```ts
 * import { type RunningServer, startServer } from "equipoise/server";
 * const server: RunningServer = await startServer({ port: 0, workDir: "work" }); // port 0: a free one
 * console.log(`open ${server.openUrl} (port ${server.port}, token ${server.token ?? "none"})`);
 * await server.close(); // stops the jobs too
 * ```
 */
export interface RunningServer {
  /** The server's base URL, e.g. `http://127.0.0.1:8080/`. */
  url: string;
  /** The address to open: with the token when one is required. */
  openUrl: string;
  /** The address bound to. */
  host: string;
  /** The port bound to (the chosen one when 0 was asked for). */
  port: number;
  /** The access token, or null when none is required (loopback without `requireToken`). */
  token: string | null;
  /** The work folder's subfolders (studies, uploads, models, jobs). */
  folders: WorkFolders;
  /** Ids of the studies shown at start. */
  studyIds: string[];
  /** Stops the server and cancels its running jobs. */
  close(): Promise<void>;
}

/**
 * The API version reported by `GET /api/health` and in the OpenAPI document.
 *
 * @example
 * ```ts
 * import { SERVER_VERSION } from "equipoise/server";
 * SERVER_VERSION; // "0.1.0": the API version GET /api/health and /api/openapi.json report
 * ```
 */
export const SERVER_VERSION = "0.1.0";

/**
 * Starts the dashboard's HTTP server (what `equipoise serve` runs). Binds 127.0.0.1:8080 by default;
 * any other address requires a token (generated when not given).
 *
 * @throws `UsageError` when the port is outside 0–65535 or the given token is weak.
 * @example
 * ```ts
 * import { startServer } from "equipoise/server";
 * const server = await startServer({ port: 0, workDir: "work", studies: ["adult.db"] });
 * console.log(server.openUrl);
 * await server.close();
 * ```
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0–65535, got ${port}`);
  const tokenRequired = options.requireToken === true || !isLocalHost(host) || options.token !== undefined;
  if (options.token !== undefined) {
    const weakness = checkTokenStrength(options.token);
    if (weakness) throw new UsageError(`--token: ${weakness}`);
  }
  const token = tokenRequired ? (options.token ?? generateToken()) : null;
  const folders = workFolders(options.workDir);
  const jobs = new JobManager({ folder: folders.jobs, maxRunning: options.maxJobs });
  const catalog = new StudyCatalog(folders.studies, (id) => {
    const job = jobs.forStudy(id);
    return job ? { id: job.id, state: job.state } : null;
  });
  const studyIds = (options.studies ?? []).map((path) => catalog.addFile(path).id);
  const streams = new EventStreams();
  const context: ServerContext = {
    version: SERVER_VERSION,
    tokenRequired,
    folders,
    catalog,
    jobs,
    datasets: new DatasetStore(folders.uploads),
    streams,
    limits: { jsonBytes: options.maxJsonBytes ?? 1 << 20, uploadBytes: options.maxUploadBytes ?? 64 << 20 },
    dataDir: options.dataDir,
    pollMs: options.pollMs ?? 500,
  };
  const webRoot = options.webRoot === undefined ? defaultWebRoot() : options.webRoot;
  const app = createApp(context, { host, token }, webRoot);

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const created = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(created));
    created.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE")
        reject(new UserError(`port ${port} on ${host} is in use; pick another with --port`));
      else if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND")
        reject(new UserError(`cannot bind to ${host}: no such address on this machine`));
      else if (error.code === "EACCES") reject(new UserError(`not allowed to bind to ${host}:${port}`));
      else reject(error);
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}/`;
  let closing: Promise<void> | undefined;
  return {
    url,
    openUrl: token ? `${url}?token=${encodeURIComponent(token)}` : url,
    host,
    port: address.port,
    token,
    folders,
    studyIds,
    close() {
      closing ??= (async () => {
        streams.closeAll();
        await jobs.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
      })();
      return closing;
    },
  };
}
