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

/** JSON has no Infinity or NaN: infinity becomes the string "Infinity" (epsilon of a non-private model). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) {
    if (Number.isNaN(value)) return null;
    return value > 0 ? "Infinity" : "-Infinity";
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<number>);
  return value;
}
