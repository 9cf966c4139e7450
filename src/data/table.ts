/**
 * A columnar table: numeric columns are Float64Arrays with NaN for a missing value,
 * categorical columns are dictionary-encoded (Int32Array codes into `categories`,
 * -1 for a missing value). Operations return new tables; the arrays are never shared
 * mutably between tables that a caller can see.
 */
import { DataError } from "../common/errors.js";

/**
 * The code of a missing value in a categorical column.
 *
 * @example
 * ```ts
 * import { MISSING_CODE, readCsv } from "equipoise/data";
 * MISSING_CODE; // -1
 * const column = readCsv("x,group\n1,A\n2,\n3,B\n").column("group");
 * column.kind === "categorical" && column.codes[1] === MISSING_CODE; // true: an empty field is missing
 * ```
 */
export const MISSING_CODE = -1;

/**
 * A numeric column (NaN for missing values).
 *
 * @example
 * ```ts
 * import { type NumericColumn, Table } from "equipoise/data";
 * const age: NumericColumn = { kind: "numeric", name: "age", values: Float64Array.of(34, Number.NaN, 29) };
 * const table = new Table([age]); // NaN: a missing age
 * ```
 */
export interface NumericColumn {
  kind: "numeric";
  name: string;
  /** NaN marks a missing value. */
  values: Float64Array;
}

/**
 * A categorical column: categories and one code per row ({@link MISSING_CODE} when missing).
 *
 * @example
 * ```ts
 * import { type CategoricalColumn, Table } from "equipoise/data";
 * const group: CategoricalColumn = { kind: "categorical", name: "group", categories: ["A", "B"], codes: Int32Array.of(0, 1, -1) };
 * const table = new Table([group]); // rows: 3; the last group is missing
 * ```
 */
export interface CategoricalColumn {
  kind: "categorical";
  name: string;
  categories: string[];
  /** Index into `categories`; MISSING_CODE (-1) marks a missing value. */
  codes: Int32Array;
}

/**
 * A column of a {@link Table}.
 *
 * @example
 * ```ts
 * import { type Column, readCsv } from "equipoise/data";
 * const column: Column = readCsv("age,group\n34,A\n").column("group");
 * if (column.kind === "categorical") column.categories; // ["A"]
 * else column.values; // a Float64Array
 * ```
 */
export type Column = NumericColumn | CategoricalColumn;

/**
 * Named, typed columns of equal length: what readers produce and preprocessing consumes.
 *
 * @example
 * ```ts
 * import { encodeStrings, Table } from "equipoise/data";
 * const age = { kind: "numeric" as const, name: "age", values: Float64Array.of(34, 51, 29) };
 * const table = new Table([age, encodeStrings("group", ["A", "B", "A"])]);
 * table.names; // ["age", "group"]
 * table.selectRows([0, 2]).rows; // 2
 * ```
 */
export class Table {
  readonly rows: number;
  readonly columns: readonly Column[];
  private readonly byName: Map<string, Column>;

  constructor(columns: Column[]) {
    const rows = columns.length === 0 ? 0 : columnLength(columns[0]);
    this.byName = new Map();
    for (const column of columns) {
      if (columnLength(column) !== rows) {
        throw new Error(`column '${column.name}' has ${columnLength(column)} rows, expected ${rows}`);
      }
      if (this.byName.has(column.name)) throw new DataError(`duplicate column name '${column.name}'`);
      this.byName.set(column.name, column);
    }
    this.rows = rows;
    this.columns = columns;
  }

  /** The column names, in order. */
  get names(): string[] {
    return this.columns.map((column) => column.name);
  }

  /** Whether the table has a column of this name. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The column called `name`; a DataError naming it and listing the columns otherwise. */
  column(name: string, role = "column"): Column {
    const column = this.byName.get(name);
    if (!column) throw new DataError(`unknown ${role} '${name}'; columns: ${this.names.join(", ")}`);
    return column;
  }

  /** A new table with the rows at `indices`, in that order. */
  selectRows(indices: ArrayLike<number>): Table {
    return new Table(this.columns.map((column) => takeRows(column, indices)));
  }

  /** A new table with these columns added (or replaced, when a name exists). */
  withColumns(added: Column[]): Table {
    const replaced = new Map(added.map((column) => [column.name, column]));
    const kept = this.columns.map((column) => replaced.get(column.name) ?? column);
    const fresh = added.filter((column) => !this.byName.has(column.name));
    return new Table([...kept, ...fresh]);
  }

  /** Indices of the rows where none of `names` (default: all columns) is missing. */
  completeRows(names: string[] = this.names): Int32Array {
    const columns = names.map((name) => this.column(name));
    const keep = new Uint8Array(this.rows).fill(1);
    for (const column of columns) {
      if (column.kind === "numeric") {
        const values = column.values;
        for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) keep[i] = 0;
      } else {
        const codes = column.codes;
        for (let i = 0; i < codes.length; i++) if (codes[i] === MISSING_CODE) keep[i] = 0;
      }
    }
    return indicesWhere(keep);
  }

  /** Row-wise concatenation; categorical dictionaries are merged (first table's order first). */
  static concat(tables: Table[]): Table {
    if (tables.length === 0) return new Table([]);
    const names = tables[0].names;
    const columns = names.map((name) => concatColumns(tables.map((table) => table.column(name))));
    return new Table(columns);
  }
}

export function columnLength(column: Column): number {
  return column.kind === "numeric" ? column.values.length : column.codes.length;
}

/**
 * Whether a column's value at `row` is missing (NaN for numbers, the missing code for categories).
 *
 * @example
 * ```ts
 * import { isMissing, loadAdultTable } from "equipoise/data";
 * const { table } = loadAdultTable();
 * isMissing(table.column("workclass"), 0); // false
 * ```
 */
export function isMissing(column: Column, row: number): boolean {
  return column.kind === "numeric" ? Number.isNaN(column.values[row]) : column.codes[row] === MISSING_CODE;
}

/**
 * The value at `row` as text (null when missing).
 *
 * @example
 * ```ts
 * import { cellText, encodeStrings } from "equipoise/data";
 * const color = encodeStrings("color", ["red", null, "blue"]);
 * cellText(color, 2); // "blue"
 * cellText(color, 1); // null (missing)
 * ```
 */
export function cellText(column: Column, row: number): string | null {
  if (column.kind === "numeric") {
    const value = column.values[row];
    return Number.isNaN(value) ? null : String(value);
  }
  const code = column.codes[row];
  return code === MISSING_CODE ? null : column.categories[code];
}

/**
 * The indices where a 0/1 mask is 1, ascending.
 *
 * @example
 * ```ts
 * import { indicesWhere } from "equipoise/data";
 * indicesWhere(Uint8Array.from([0, 1, 1, 0])); // Int32Array [1, 2]
 * ```
 */
export function indicesWhere(mask: Uint8Array): Int32Array {
  let count = 0;
  for (let i = 0; i < mask.length; i++) count += mask[i];
  const out = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[k++] = i;
  return out;
}

function takeRows(column: Column, indices: ArrayLike<number>): Column {
  if (column.kind === "numeric") {
    const values = new Float64Array(indices.length);
    for (let i = 0; i < indices.length; i++) values[i] = column.values[indices[i]];
    return { kind: "numeric", name: column.name, values };
  }
  const codes = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) codes[i] = column.codes[indices[i]];
  return { kind: "categorical", name: column.name, categories: column.categories, codes };
}

function concatColumns(parts: Column[]): Column {
  const total = parts.reduce((sum, part) => sum + columnLength(part), 0);
  const name = parts[0].name;
  if (parts.every((part) => part.kind === "numeric")) {
    const values = new Float64Array(total);
    let offset = 0;
    for (const part of parts as NumericColumn[]) {
      values.set(part.values, offset);
      offset += part.values.length;
    }
    return { kind: "numeric", name, values };
  }
  const categorical = parts.map(toCategorical);
  const categories: string[] = [];
  const index = new Map<string, number>();
  const codes = new Int32Array(total);
  let offset = 0;
  for (const part of categorical) {
    const remap = part.categories.map((category) => {
      let code = index.get(category);
      if (code === undefined) {
        code = categories.length;
        categories.push(category);
        index.set(category, code);
      }
      return code;
    });
    for (let i = 0; i < part.codes.length; i++) {
      const code = part.codes[i];
      codes[offset + i] = code === MISSING_CODE ? MISSING_CODE : remap[code];
    }
    offset += part.codes.length;
  }
  return { kind: "categorical", name, categories, codes };
}

/**
 * A categorical view of any column: numbers become their decimal text.
 *
 * @example
 * ```ts
 * import { readCsv, toCategorical } from "equipoise/data";
 * const age = readCsv("age\n34\n51\n29\n").column("age");
 * toCategorical(age).categories; // ["34", "51", "29"]
 * ```
 */
export function toCategorical(column: Column): CategoricalColumn {
  if (column.kind === "categorical") return column;
  return encodeStrings(
    column.name,
    Array.from(column.values, (value) => (Number.isNaN(value) ? null : String(value))),
  );
}

/**
 * Dictionary-encodes strings (null = missing); categories in order of first appearance.
 *
 * @example
 * ```ts
 * import { encodeStrings } from "equipoise/data";
 * encodeStrings("color", ["red", null, "blue", "red"]);
 * // { kind: "categorical", name: "color", categories: ["red", "blue"], codes: Int32Array [0, -1, 1, 0] }
 * ```
 */
export function encodeStrings(name: string, values: ArrayLike<string | null>): CategoricalColumn {
  const categories: string[] = [];
  const index = new Map<string, number>();
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null) {
      codes[i] = MISSING_CODE;
      continue;
    }
    let code = index.get(value);
    if (code === undefined) {
      code = categories.length;
      categories.push(value);
      index.set(value, code);
    }
    codes[i] = code;
  }
  return { kind: "categorical", name, categories, codes };
}

/**
 * Counts per category (missing values not counted).
 *
 * @example
 * ```ts
 * import { categoryCounts, encodeStrings } from "equipoise/data";
 * categoryCounts(encodeStrings("color", ["red", null, "blue", "red"])); // Int32Array [2, 1]: missing not counted
 * ```
 */
export function categoryCounts(column: CategoricalColumn): Int32Array {
  const counts = new Int32Array(column.categories.length);
  for (let i = 0; i < column.codes.length; i++) {
    const code = column.codes[i];
    if (code !== MISSING_CODE) counts[code]++;
  }
  return counts;
}

/**
 * A categorical column computed category by category (not cell by cell): `map` sends
 * each category of `column` to a new one; categories that map to the same text merge.
 *
 * @example
 * ```ts
 * import { encodeStrings, mapCategories } from "equipoise/data";
 * const color = encodeStrings("color", ["red", null, "blue", "red"]);
 * mapCategories("warmth", color, (c) => (c === "red" ? "warm" : "cool")).categories; // ["warm", "cool"]
 * ```
 */
export function mapCategories(
  name: string,
  column: CategoricalColumn,
  map: (category: string) => string,
): CategoricalColumn {
  const categories: string[] = [];
  const index = new Map<string, number>();
  const remap = Int32Array.from(column.categories, (category) => {
    const mapped = map(category);
    let code = index.get(mapped);
    if (code === undefined) {
      code = categories.length;
      categories.push(mapped);
      index.set(mapped, code);
    }
    return code;
  });
  const codes = new Int32Array(column.codes.length);
  for (let i = 0; i < codes.length; i++) {
    const code = column.codes[i];
    codes[i] = code === MISSING_CODE ? MISSING_CODE : remap[code];
  }
  return { kind: "categorical", name, categories, codes };
}
