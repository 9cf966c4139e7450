/** `equipoise pareto FILE.csv`: the Pareto rows of a table of results and their hypervolume. */
import { readFileSync } from "node:fs";
import Papa from "papaparse";
import { DataError, UsageError } from "../../common/errors.js";
import { hypervolume, paretoFront } from "../../search/index.js";
import { defineCommand, parseList } from "../command.js";

interface ObjectiveColumn {
  name: string;
  index: number;
  direction: "minimize" | "maximize";
}

export const pareto = defineCommand({
  name: "pareto",
  summary: "the Pareto-optimal rows of a CSV of results, and their hypervolume",
  positionals: "FILE.csv",
  options: {
    minimize: { type: "string", valueName: "COL[,COL]", description: "columns to minimise" },
    maximize: { type: "string", valueName: "COL[,COL]", description: "columns to maximise" },
    reference: {
      type: "string",
      valueName: "V1,V2,...",
      description:
        "reference point, one value per objective (minimised columns first, then maximised), in the columns' units",
    },
  },
  details: `
Rows are numbered from 0: the first data row after the header is row 0.
Default reference point: for each objective, its worst value plus 10% of its range
over all rows (plus 1 when every row has the same value), so the extreme Pareto
rows count too. Maximised columns are negated inside: the reference of a
maximised column is given in its own units (a value below every useful one).
"inf", "Infinity" and "-inf" are numbers (e.g. epsilon of a non-private model).

Example: equipoise pareto results.csv --maximize accuracy --minimize epsilon,dp_gap --reference 0.5,10,0.3`,
  run({ options, positionals, out }) {
    if (positionals.length !== 1)
      throw new UsageError("pareto: give one CSV file (see 'equipoise pareto --help')");
    const file = positionals[0];
    const { header, rows } = readCsv(file);
    const objectives: ObjectiveColumn[] = [
      ...parseList(options.minimize).map((name) => column(header, file, name, "minimize")),
      ...parseList(options.maximize).map((name) => column(header, file, name, "maximize")),
    ];
    if (objectives.length === 0)
      throw new UsageError("pareto: give at least one column with --minimize or --maximize");
    const names = objectives.map((o) => o.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate) throw new UsageError(`pareto: column '${duplicate}' is given twice`);

    const values = rows.map((row, r) => objectives.map((o) => parseCell(row[o.index], r, o.name, file)));
    const minimized = values.map((row) =>
      row.map((v, k) => (objectives[k].direction === "maximize" ? -v : v)),
    );
    const reference = options.reference
      ? parseReference(options.reference, objectives).map((v, k) =>
          objectives[k].direction === "maximize" ? -v : v,
        )
      : defaultReference(minimized, objectives.length);
    const front = paretoFront(minimized);
    const volume = hypervolume(
      front.map((i) => minimized[i]),
      reference,
    );
    const referenceInUnits = reference.map((v, k) => (objectives[k].direction === "maximize" ? -v : v));

    if (out.wantsJson) {
      out.json({
        pareto: front,
        hypervolume: volume,
        reference: referenceInUnits,
        objectives: objectives.map((o) => ({ column: o.name, direction: o.direction })),
      });
      return;
    }
    out.print(`${front.length} Pareto-optimal row(s) of ${rows.length}:`);
    const table = [["row", ...names], ...front.map((i) => [String(i), ...values[i].map(String)])];
    const widths = table[0].map((_, c) => Math.max(...table.map((line) => line[c].length)));
    for (const line of table) out.print(line.map((cell, c) => cell.padStart(widths[c])).join("  "));
    out.print(`hypervolume: ${volume}`);
    out.print(
      `reference:   ${referenceInUnits.join(", ")}${options.reference ? "" : " (default: worst value + 10% of the range)"}`,
    );
  },
});

function readCsv(file: string): { header: string[]; rows: string[][] } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new DataError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const parsed = Papa.parse<string[]>(text, { header: false, skipEmptyLines: "greedy" });
  const [header, ...rows] = parsed.data;
  if (!header || rows.length === 0) throw new DataError(`${file}: no header row or no data rows`);
  return { header: header.map((h) => h.trim()), rows };
}

function column(
  header: string[],
  file: string,
  name: string,
  direction: ObjectiveColumn["direction"],
): ObjectiveColumn {
  const index = header.indexOf(name);
  const option = direction === "minimize" ? "--minimize" : "--maximize";
  if (index < 0)
    throw new UsageError(`${option}: no column '${name}' in ${file} (columns: ${header.join(", ")})`);
  return { name, index, direction };
}

function parseCell(raw: string | undefined, row: number, name: string, file: string): number {
  const text = (raw ?? "").trim();
  if (text === "") throw new DataError(`${file}: row ${row}, column '${name}': missing value`);
  if (/^[+-]?inf(inity)?$/i.test(text))
    return text.startsWith("-") ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  const value = Number(text);
  if (!Number.isFinite(value))
    throw new DataError(`${file}: row ${row}, column '${name}': '${text}' is not a number`);
  return value;
}

function parseReference(raw: string, objectives: ObjectiveColumn[]): number[] {
  const parts = parseList(raw);
  if (parts.length !== objectives.length) {
    throw new UsageError(
      `--reference has ${parts.length} value(s), expected ${objectives.length} (${objectives.map((o) => o.name).join(", ")})`,
    );
  }
  return parts.map((part, k) => {
    const value = Number(part);
    if (!Number.isFinite(value))
      throw new UsageError(`--reference: '${part}' for column '${objectives[k].name}' is not a number`);
    return value;
  });
}

/** Worst finite value + 10% of the finite range, per minimised objective. */
function defaultReference(minimized: number[][], d: number): number[] {
  return Array.from({ length: d }, (_, k) => {
    const finite = minimized.map((row) => row[k]).filter(Number.isFinite);
    if (finite.length === 0) throw new UsageError("pareto: a column has no finite value; give --reference");
    const low = Math.min(...finite);
    const high = Math.max(...finite);
    return high > low ? high + 0.1 * (high - low) : high + 1;
  });
}
