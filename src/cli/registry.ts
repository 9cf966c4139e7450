/**
 * Every command of the `equipoise` CLI. Loaded lazily so that `equipoise --help`
 * or `privacy epsilon` does not pay for the tensor engine's start-up.
 * Each capability adds its commands here, one line each.
 */
import type { Command } from "./command.js";

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

export const commands: CommandEntry[] = [
  { name: "data list", summary: "list the known datasets", load: async () => (await import("./commands/data.js")).dataList },
  { name: "data info", summary: "describe a dataset: rows, features, groups", load: async () => (await import("./commands/data.js")).dataInfo },
  { name: "data fetch", summary: "download a dataset and check its checksum", load: async () => (await import("./commands/data.js")).dataFetch },
];
