import { jsonReplacer } from "../common/json.js";
import type { Output } from "./command.js";

export interface Streams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stderrIsTTY: boolean;
}

export const processStreams: Streams = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: Boolean(process.stderr.isTTY),
};

/** The reader of a pipe went away (`equipoise data list | head -1`). */
function isClosedPipe(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED";
}

/**
 * Process-wide behaviour of the CLI's own streams, installed once by `main`:
 *  - a closed stdout means the reader has seen enough: end at once, quietly, with
 *    exit 0, as `cat` or `ls` do (they die of SIGPIPE; Node ignores SIGPIPE and
 *    emits EPIPE as an 'error' event, which unhandled prints a stack trace);
 *  - a closed stderr is ignored (progress has nowhere to go; results still do);
 *  - an error thrown outside the command's promise (an event handler, a timer)
 *    still ends in one line, through `fatal` (which never returns).
 * Installing the same `fatal` twice is a no-op.
 */
export function guardProcessStreams(fatal: (error: unknown) => never): void {
  if (process.listeners("uncaughtException").includes(fatal)) return;
  process.stdout.on("error", (error) => {
    if (isClosedPipe(error)) process.exit(0);
    fatal(error);
  });
  process.stderr.on("error", () => {});
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);
}

export function createOutput(wantsJson: boolean, streams: Streams = processStreams): Output {
  return {
    wantsJson,
    stderrIsTTY: streams.stderrIsTTY,
    print(line) {
      if (!wantsJson) streams.stdout(`${line}\n`);
    },
    json(document) {
      streams.stdout(`${JSON.stringify(document, jsonReplacer, 2)}\n`);
    },
    note(line) {
      streams.stderr(`${line}\n`);
    },
  };
}
