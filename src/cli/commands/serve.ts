/** `equipoise serve`: the dashboard over studies, in the browser, served by this process. */
import { spawn } from "node:child_process";
import { defineCommand, parseList, parseNumber } from "../command.js";

export const serveCommand = defineCommand({
  name: "serve",
  summary: "the web dashboard: studies, fronts, trials, new studies, jobs",
  positionals: "[STUDY.db...]",
  options: {
    study: {
      type: "string",
      valueName: "FILE.db",
      description: "study files to show (comma-separated; more may follow as arguments); only read",
    },
    port: { type: "string", valueName: "P", description: "port (0 picks a free one)", default: "8080" },
    host: {
      type: "string",
      valueName: "H",
      description: "address to bind; any but 127.0.0.1/localhost/::1 requires a token",
      default: "127.0.0.1",
    },
    token: {
      type: "string",
      valueName: "T",
      description: "the token clients must present (default: generated when the host needs one)",
    },
    dir: {
      type: "string",
      valueName: "DIR",
      description: "where studies started from the page, uploads, models and jobs are kept",
      default: "equipoise-dashboard",
    },
    "data-dir": {
      type: "string",
      valueName: "DIR",
      description: "local copies of fetched datasets (default EQUIPOISE_DATA_DIR)",
    },
    "max-jobs": { type: "string", valueName: "N", description: "jobs running at once", default: "1" },
    "max-upload": {
      type: "string",
      valueName: "MB",
      description: "largest data file that may be uploaded, in MiB",
      default: "64",
    },
    open: { type: "boolean", description: "open the dashboard in the default browser" },
  },
  details: `Binds to 127.0.0.1 by default: only this machine can connect. Binding to any other
address prints a token; the printed address carries it once, then the browser keeps it
in a cookie. Study files are opened read-only; a study being written by 'equipoise
explore' is shown live.

Example:
  equipoise serve --study adult.db`,
  async run({ options, positionals, out }) {
    const { startServer } = await import("../../server/index.js");
    const port = parseNumber("port", options.port, { integer: true, min: 0, max: 65535 });
    const maxJobs = parseNumber("max-jobs", options["max-jobs"], { integer: true, min: 1, max: 64 });
    const maxUpload = parseNumber("max-upload", options["max-upload"], { min: 1, max: 100_000 });
    const server = await startServer({
      host: options.host,
      port,
      token: options.token,
      studies: [...parseList(options.study), ...positionals],
      workDir: options.dir,
      dataDir: options["data-dir"] ?? process.env.EQUIPOISE_DATA_DIR,
      maxJobs,
      maxUploadBytes: Math.round(maxUpload * (1 << 20)),
    });
    if (out.wantsJson) {
      out.json({
        url: server.url,
        openUrl: server.openUrl,
        token: server.token,
        studies: server.studyIds,
        dir: server.folders.root,
      });
    } else {
      out.print(`Equipoise dashboard: ${server.openUrl}`);
      if (server.studyIds.length > 0) out.print(`studies: ${server.studyIds.join(", ")}`);
      out.print(`new studies, uploads and models go to ${server.folders.root}`);
      if (server.token)
        out.print("the address above carries the access token: share it only with people you trust");
      out.print("press Ctrl-C to stop");
    }
    if (options.open) openInBrowser(server.openUrl);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    out.note("stopping: ending jobs and connections");
    await server.close();
  },
});

function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", "", url]]
        : ["xdg-open", [url]];
  const child = spawn(command, args, { stdio: "ignore", detached: true });
  child.on("error", () => process.stderr.write(`could not open a browser; open ${url} yourself\n`));
  child.unref();
}
