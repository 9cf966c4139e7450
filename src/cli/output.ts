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
