/**
 * ARFF (Weka's attribute-relation file format), dense data section:
 * numeric/real/integer, nominal {a, 'b c'}, string and date attributes (dates are
 * kept as text), '%' comments, single- or double-quoted values with backslash
 * escapes, and '?' for a missing value. Nominal categories keep their declared order.
 */
import { DataError } from "../common/errors.js";
import { isDecimal } from "./schema.js";
import { type Column, MISSING_CODE, Table } from "./table.js";

type AttributeType = { kind: "numeric" } | { kind: "nominal"; categories: string[] } | { kind: "string" };

interface Attribute {
  name: string;
  type: AttributeType;
}

/**
 * What {@link readArff} returns: the relation name, the typed table and the declared categories of the nominal attributes.
 *
 * @example
 * ```ts
 * import { type ArffTable, readArff } from "equipoise/data";
 * const arff: ArffTable = readArff("@relation toy\n@attribute c {no, yes}\n@data\nyes\n");
 * arff.relation; // "toy"
 * arff.nominal.c; // ["no", "yes"], in declared order (also the categories of arff.table.column("c"))
 * ```
 */
export interface ArffTable {
  relation: string;
  table: Table;
  /** The categories each nominal attribute declares in the header, in declared order. */
  nominal: Record<string, string[]>;
}

/**
 * Parses the text of an ARFF file into a typed {@link Table} and its header's declarations.
 *
 * @example
 * ```ts
 * import { readArff } from "equipoise/data";
 * const { relation, table, nominal } = readArff("@relation toy\n@attribute x numeric\n@attribute c {no, yes}\n@data\n1.5,yes\n?,no\n");
 * relation; // "toy"
 * nominal; // { c: ["no", "yes"] }, in declared order
 * table.column("x"); // numeric, values [1.5, NaN]: "?" is missing
 * ```
 */
export function readArff(text: string, source = "ARFF input"): ArffTable {
  const lines = text.split(/\r?\n/);
  const attributes: Attribute[] = [];
  let relation = "";
  let dataStart = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.startsWith("%")) continue;
    const lower = line.toLowerCase();
    if (lower.startsWith("@relation")) {
      relation = unquote(line.slice("@relation".length).trim());
    } else if (lower.startsWith("@attribute")) {
      attributes.push(parseAttribute(line.slice("@attribute".length).trim(), `${source}: line ${i + 1}`));
    } else if (lower.startsWith("@data")) {
      dataStart = i + 1;
      break;
    } else {
      throw new DataError(
        `${source}: line ${i + 1}: expected @relation, @attribute or @data, got '${clip(line)}'`,
      );
    }
  }
  if (dataStart < 0) throw new DataError(`${source}: no @data section`);
  if (attributes.length === 0) throw new DataError(`${source}: no @attribute declarations`);

  const cells: string[][] = attributes.map(() => []);
  const quotedMissing: boolean[][] = attributes.map(() => []);
  const lineOfRow: number[] = [];
  for (let i = dataStart; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.startsWith("%")) continue;
    lineOfRow.push(i + 1);
    if (line.startsWith("{"))
      throw new DataError(`${source}: line ${i + 1}: sparse ARFF rows are not supported`);
    const fields = splitFields(line, `${source}: line ${i + 1}`);
    if (fields.length !== attributes.length) {
      throw new DataError(
        `${source}: line ${i + 1} has ${fields.length} fields, expected ${attributes.length}`,
      );
    }
    for (let c = 0; c < fields.length; c++) {
      cells[c].push(fields[c].value);
      quotedMissing[c].push(fields[c].quoted);
    }
  }

  const where = (r: number) => `${source}: line ${lineOfRow[r]}`;
  const columns: Column[] = attributes.map((attribute, c) =>
    buildColumn(attribute, cells[c], quotedMissing[c], where),
  );
  const nominal: Record<string, string[]> = {};
  for (const { name, type } of attributes) if (type.kind === "nominal") nominal[name] = [...type.categories];
  return { relation, table: new Table(columns), nominal };
}

function buildColumn(
  attribute: Attribute,
  values: string[],
  quoted: boolean[],
  where: (row: number) => string,
): Column {
  const { name, type } = attribute;
  const isMissing = (r: number) => values[r] === "?" && !quoted[r];
  if (type.kind === "numeric") {
    const out = new Float64Array(values.length);
    for (let r = 0; r < values.length; r++) {
      if (isMissing(r)) {
        out[r] = Number.NaN;
      } else if (isDecimal(values[r]) && Number.isFinite(Number(values[r]))) {
        out[r] = Number(values[r]);
      } else {
        const problem = isDecimal(values[r]) ? "the non-finite value" : "the value";
        throw new DataError(`${where(r)}: numeric attribute '${name}' has ${problem} '${values[r]}'`);
      }
    }
    return { kind: "numeric", name, values: out };
  }
  const categories = type.kind === "nominal" ? [...type.categories] : [];
  const index = new Map(categories.map((category, i) => [category, i]));
  const codes = new Int32Array(values.length);
  for (let r = 0; r < values.length; r++) {
    if (isMissing(r)) {
      codes[r] = MISSING_CODE;
      continue;
    }
    let code = index.get(values[r]);
    if (code === undefined) {
      if (type.kind === "nominal") {
        throw new DataError(
          `${where(r)}: nominal attribute '${name}' has the undeclared value '${values[r]}'`,
        );
      }
      code = categories.length;
      categories.push(values[r]);
      index.set(values[r], code);
    }
    codes[r] = code;
  }
  return { kind: "categorical", name, categories, codes };
}

function parseAttribute(rest: string, where: string): Attribute {
  const { value: name, end } = readToken(rest, 0, where);
  const typeText = rest.slice(end).trim();
  if (typeText.startsWith("{")) {
    const close = typeText.lastIndexOf("}");
    if (close < 0) throw new DataError(`${where}: nominal attribute '${name}' has no closing '}'`);
    const categories = splitFields(typeText.slice(1, close), where).map((field) => field.value);
    return { name, type: { kind: "nominal", categories } };
  }
  const keyword = typeText.split(/\s+/)[0].toLowerCase();
  if (keyword === "numeric" || keyword === "real" || keyword === "integer")
    return { name, type: { kind: "numeric" } };
  if (keyword === "string" || keyword === "date") return { name, type: { kind: "string" } };
  throw new DataError(`${where}: attribute '${name}' has the unsupported type '${clip(typeText)}'`);
}

interface Field {
  value: string;
  quoted: boolean;
}

/** Comma-separated fields, each possibly quoted ('…' or "…", with backslash escapes). */
function splitFields(text: string, where: string): Field[] {
  const fields: Field[] = [];
  let i = 0;
  while (i <= text.length) {
    while (i < text.length && isSpace(text[i])) i++;
    const quote = text[i];
    if (quote === "'" || quote === '"') {
      const { value, end } = readQuoted(text, i, where);
      fields.push({ value, quoted: true });
      i = end;
      while (i < text.length && isSpace(text[i])) i++;
      if (i < text.length && text[i] !== ",") {
        throw new DataError(`${where}: unexpected '${text[i]}' after a quoted value`);
      }
    } else {
      let end = text.indexOf(",", i);
      if (end < 0) end = text.length;
      fields.push({ value: text.slice(i, end).trim(), quoted: false });
      i = end;
    }
    i++; // past the comma (or past the end)
  }
  return fields;
}

function readToken(text: string, start: number, where: string): { value: string; end: number } {
  let i = start;
  while (i < text.length && isSpace(text[i])) i++;
  if (text[i] === "'" || text[i] === '"') return readQuoted(text, i, where);
  let end = i;
  while (end < text.length && !isSpace(text[end]) && text[end] !== "{") end++;
  return { value: text.slice(i, end), end };
}

function readQuoted(text: string, start: number, where: string): { value: string; end: number } {
  const quote = text[start];
  let value = "";
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\" && i + 1 < text.length) {
      value += text[++i];
    } else if (ch === quote) {
      return { value, end: i + 1 };
    } else {
      value += ch;
    }
  }
  throw new DataError(`${where}: unterminated quoted value`);
}

function unquote(text: string): string {
  return text.startsWith("'") || text.startsWith('"') ? readQuoted(text, 0, "@relation").value : text;
}

function isSpace(ch: string): boolean {
  return ch === " " || ch === "\t";
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
