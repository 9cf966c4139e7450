/**
 * Entry of a job's own process (forked by JobManager): receives one job over the
 * IPC channel, runs it, reports progress, sends the result or the error as one
 * line, and exits. SIGTERM from the server stops it (a study leaves its store
 * first, through the runner's termination hook).
 */
import { isUserError } from "../../common/errors.js";
import { toJson } from "../../common/json.js";
import type { JobProgress } from "./kind.js";
import { jobKind } from "./kinds.js";

export type JobRequestMessage = { type: "run"; kind: string; params: unknown };
export type JobReplyMessage =
  | { type: "progress"; progress: JobProgress }
  | { type: "result"; json: string }
  | { type: "error"; message: string };

function send(message: JobReplyMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/** A user's mistake is its own message; anything else is marked internal (its stack stays in the log). */
function describe(error: unknown): string {
  if (isUserError(error)) return error.message.split("\n")[0];
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return `internal error: ${message.split("\n")[0]}`;
}

process.once("message", async (message: JobRequestMessage) => {
  let code = 0;
  try {
    const kind = jobKind(message.kind);
    if (!kind) throw new Error(`unknown job kind '${message.kind}'`);
    const parsed = kind.params.safeParse(message.params);
    if (!parsed.success)
      throw new Error(`bad parameters for a ${kind.name} job: ${parsed.error.issues[0]?.message}`);
    const result = await kind.run(parsed.data, {
      progress: (progress) => void send({ type: "progress", progress }),
    });
    await send({ type: "result", json: toJson(result ?? null) });
  } catch (error) {
    code = 1;
    await send({ type: "error", message: describe(error) });
  }
  process.disconnect?.();
  process.exit(code);
});
