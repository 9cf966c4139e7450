/**
 * A table's columns as the "new study" form needs them to offer a target and a
 * sensitive attribute: kind, distinct values, missing values, a few examples.
 * Pure (no I/O), so the in-browser page describes a dropped CSV with the same code.
 */
import { cellText, type Table } from "../data/table.js";

export interface ColumnDescription {
  name: string;
  kind: "numeric" | "categorical";
  distinct: number;
  missing: number;
  /** Up to five distinct values, in order of first appearance. */
  examples: string[];
}

/** Beyond this many distinct values a column is no use as a target or a group (as in data/tabular-task.ts). */
export const MAX_GROUP_VALUES = 50;

export function describeColumns(table: Table): ColumnDescription[] {
  return table.columns.map((column) => {
    const seen = new Set<string>();
    const examples: string[] = [];
    let missing = 0;
    for (let row = 0; row < table.rows; row++) {
      const text = cellText(column, row);
      if (text === null) {
        missing++;
        continue;
      }
      if (!seen.has(text)) {
        seen.add(text);
        if (examples.length < 5) examples.push(text);
      }
    }
    return { name: column.name, kind: column.kind, distinct: seen.size, missing, examples };
  });
}

/** Columns that can be a binary-or-few-classes target or a sensitive attribute. */
export function groupableColumns(columns: readonly ColumnDescription[]): ColumnDescription[] {
  return columns.filter((c) => c.distinct >= 2 && c.distinct <= MAX_GROUP_VALUES);
}
