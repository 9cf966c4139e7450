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
      : defaultReference(minimized, objectives);
    const front = paretoFront(minimized);
    const volume = hypervolumeOfRows(front, minimized, reference, objectives);
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
  if (Number.isNaN(value))
    throw new DataError(`${file}: row ${row}, column '${name}': '${text}' is not a number`);
  if (!Number.isFinite(value)) {
    throw new DataError(
      `${file}: row ${row}, column '${name}': '${text}' is beyond the largest number (about 1.8e308); write inf for infinity`,
    );
  }
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
function defaultReference(minimized: number[][], objectives: ObjectiveColumn[]): number[] {
  return objectives.map((objective, k) => {
    const finite = minimized.map((row) => row[k]).filter(Number.isFinite);
    if (finite.length === 0)
      throw new UsageError(`pareto: column '${objective.name}' has no finite value; give --reference`);
    const low = Math.min(...finite);
    const high = Math.max(...finite);
    // high/10 - low/10 rather than (high - low)/10: the range of ±1e308 overflows, a tenth of it does not.
    const reference = high > low ? high + (high / 10 - low / 10) : high + Math.max(1, Math.abs(high) / 10);
    if (!Number.isFinite(reference)) {
      throw new UsageError(
        `pareto: column '${objective.name}' reaches ${high}, too near the largest number for a default reference; give --reference`,
      );
    }
    return reference;
  });
}

/**
 * Hypervolume of the rows `front` (minimised values) against `reference`, computed
 * on each column divided by a power of two near its largest magnitude and scaled
 * back: exact (dividing by 2^k only shifts exponents), and values near ±1e308 no
 * longer overflow inside the algorithm when the volume itself is a double. A volume
 * beyond the doubles, or an infinitely good value, is one clear line.
 */
function hypervolumeOfRows(
  front: number[],
  minimized: number[][],
  reference: number[],
  objectives: ObjectiveColumn[],
): number {
  const inside = front.filter((i) => minimized[i].every((v, k) => v < reference[k]));
  for (const i of inside) {
    const k = minimized[i].indexOf(Number.NEGATIVE_INFINITY);
    if (k >= 0) {
      const value = objectives[k].direction === "maximize" ? "inf" : "-inf";
      throw new DataError(
        `pareto: row ${i}, column '${objectives[k].name}' is ${value}, infinitely good, so the hypervolume is infinite`,
      );
    }
  }
  const exponents = reference.map((r, k) => {
    const largest = Math.max(Math.abs(r), ...inside.map((i) => Math.abs(minimized[i][k])));
    return largest > 0 ? Math.floor(Math.log2(largest)) : 0;
  });
  const scaled = hypervolume(
    inside.map((i) => minimized[i].map((v, k) => v * 2 ** -exponents[k])),
    reference.map((r, k) => r * 2 ** -exponents[k]),
  );
  const volume = timesPowerOfTwo(
    scaled,
    exponents.reduce((sum, e) => sum + e, 0),
  );
  if (!Number.isFinite(volume)) {
    throw new DataError(
      "pareto: the hypervolume of these values is beyond the largest number (about 1.8e308); rescale the columns",
    );
  }
  return volume;
}

/** x · 2^exponent without overflowing 2^exponent itself on the way. */
function timesPowerOfTwo(x: number, exponent: number): number {
  let value = x;
  let remaining = exponent;
  for (; remaining > 1000; remaining -= 1000) value *= 2 ** 1000;
  for (; remaining < -1000; remaining += 1000) value *= 2 ** -1000;
  return value * 2 ** remaining;
}
