/**
 * Data for a federation of real processes: a data set's rows cut into one CSV file
 * per client plus one for the server (its evaluation data and the source of the
 * public preprocessing). The server's rows never reach a client file. Adult's fixed
 * test rows go to the server; other data sets give the server a seeded 30 %.
 */
import { DataError } from "../common/errors.js";
import { createRandom, shuffleInPlace } from "../common/rng.js";
import { cellText, type Table, toCategorical } from "../data/table.js";
import { type PartitionSpec, partitionRows } from "./partition.js";

/**
 * A data set split into the server's table and one table per client.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { data } from "equipoise";
 * import { type FederationFiles, splitForFederation, tableToCsv } from "equipoise/federated";
 * const files: FederationFiles = splitForFederation(data.generateSynthetic(), { target: "label", clients: 4, partition: { kind: "iid" }, seed: 1 });
 * writeFileSync("server.csv", tableToCsv(files.server));
 * files.clients.forEach((table, k) => writeFileSync(`client-${k}.csv`, tableToCsv(table)));
 * ```
 */
export interface FederationFiles {
  server: Table;
  clients: Table[];
}

/**
 * How {@link splitForFederation} splits: target, clients, partition, and the server's share.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { type SplitSettings, splitForFederation } from "equipoise/federated";
 * const settings: SplitSettings = {
 *   target: "label", sensitive: "group", clients: 4, partition: { kind: "group-skew", skew: 0.8 }, seed: 1, serverFraction: 0.2,
 * };
 * const { server, clients } = splitForFederation(data.generateSynthetic(), settings); // 20 % of the rows for the server
 * ```
 */
export interface SplitSettings {
  target: string;
  /** Column whose groups drive a group-skew partition. */
  sensitive?: string;
  clients: number;
  partition: PartitionSpec;
  seed: number;
  /** 1 marks rows that must go to the server (a data set's fixed test split). */
  serverRows?: Uint8Array;
  /** Share of rows for the server when there is no fixed split (default 0.3). */
  serverFraction?: number;
}

/**
 * Splits a table into one file per client and one for the server (`equipoise federate split`).
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { splitForFederation, tableToCsv } from "equipoise/federated";
 * const split = splitForFederation(data.generateSynthetic(), {
 *   target: "label", clients: 4, partition: { kind: "iid" }, seed: 1,
 * });
 * const clientFiles = split.clients.map(tableToCsv); // one CSV per client; split.server for the server
 * ```
 */
export function splitForFederation(table: Table, settings: SplitSettings): FederationFiles {
  const needed = [settings.target, ...(settings.sensitive ? [settings.sensitive] : [])];
  const complete = table.completeRows(needed);
  const random = createRandom(settings.seed);
  let serverIndices: number[];
  let clientIndices: number[];
  if (settings.serverRows) {
    serverIndices = Array.from(complete).filter((r) => settings.serverRows![r] === 1);
    clientIndices = Array.from(complete).filter((r) => settings.serverRows![r] !== 1);
  } else {
    const order = Array.from(complete);
    shuffleInPlace(order, random);
    const cut = Math.round((settings.serverFraction ?? 0.3) * order.length);
    serverIndices = order.slice(0, cut).sort((a, b) => a - b);
    clientIndices = order.slice(cut).sort((a, b) => a - b);
  }
  if (serverIndices.length === 0 || clientIndices.length === 0)
    throw new DataError(
      `too few rows (${complete.length}) to split between a server and ${settings.clients} clients`,
    );
  const labels = toCategorical(table.column(settings.target, "target column"));
  const groups = settings.sensitive
    ? toCategorical(table.column(settings.sensitive, "sensitive column"))
    : undefined;
  const parts = partitionRows(
    settings.partition,
    {
      labels: clientIndices.map((r) => labels.codes[r]),
      groups: groups ? clientIndices.map((r) => groups.codes[r]) : undefined,
      clients: settings.clients,
    },
    random.fork(),
  );
  return {
    server: table.selectRows(serverIndices),
    clients: parts.map((part) => table.selectRows(Array.from(part, (k) => clientIndices[k]))),
  };
}

/**
 * CSV text of a table (header row; missing values empty; quotes where needed).
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { tableToCsv } from "equipoise/federated";
 * const csv = tableToCsv(data.generateSynthetic()); // header row, then one line per row
 * ```
 */
export function tableToCsv(table: Table): string {
  const lines = [table.names.map(quote).join(",")];
  for (let r = 0; r < table.rows; r++) {
    lines.push(table.columns.map((column) => quote(cellText(column, r) ?? "")).join(","));
  }
  return `${lines.join("\n")}\n`;
}

function quote(text: string): string {
  return /[",\n\r]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}
