/**
 * The bundled Adult data as one CSV file, the way a user would have it: a header
 * row, the training and test files' rows (without their '?' rows, as the registry's
 * Adult drops them, and with the test file's '>50K.' labels written '>50K').
 */
import { readBundledText } from "../../src/data/bundled.js";
import { ADULT_COLUMNS } from "../../src/data/datasets/adult.js";

export function adultCsv(maxRows = Number.POSITIVE_INFINITY): string {
  const lines = [ADULT_COLUMNS.join(",")];
  for (const file of ["adult.data", "adult.test"]) {
    for (const line of readBundledText("adult", file).split("\n")) {
      if (lines.length > maxRows) break;
      const fields = line.split(",").map((f) => f.trim());
      if (fields.length !== ADULT_COLUMNS.length || fields.includes("?")) continue;
      fields[fields.length - 1] = fields[fields.length - 1].replace(/\.$/, "");
      lines.push(fields.join(","));
    }
  }
  return `${lines.join("\n")}\n`;
}
