/**
 * Statlog German Credit (ARFF as in Weka / OpenML "credit-g"), bundled. Standard
 * task: class "good"; the 20 attributes are the features (7 numeric standardised, 13
 * nominal one-hot: 61 features). Sensitive attributes are derived: `sex` from
 * personal_status ("male …" / "female …") and `age-group` (">25" / "<=25") from age.
 * Those source columns stay features unless `sensitiveInFeatures` is false. 1,000
 * rows, split 70/30 stratified by the label with a seed.
 */
import { DataError } from "../../common/errors.js";
import { readArff } from "../arff.js";
import { readBundledText } from "../bundled.js";
import { type CategoricalColumn, MISSING_CODE, mapCategories, type Table } from "../table.js";
import type { TabularSource } from "../tabular-task.js";

export interface GermanCreditOptions {
  target?: string;
  sensitive?: string[];
  positive?: string;
  sensitiveInFeatures?: boolean;
  seed?: number;
}

export function loadGermanCreditTable(): Table {
  const { table } = readArff(
    readBundledText("german-credit", "credit-g.arff"),
    "german-credit/credit-g.arff",
  );
  const status = table.column("personal_status");
  const age = table.column("age");
  if (status.kind !== "categorical" || age.kind !== "numeric") {
    throw new DataError("german-credit: personal_status must be nominal and age numeric");
  }
  const sex = mapCategories("sex", status, (value) => value.split(" ")[0]);
  const ageGroup: CategoricalColumn = {
    kind: "categorical",
    name: "age-group",
    categories: ["<=25", ">25"],
    codes: Int32Array.from(age.values, (years) => (Number.isNaN(years) ? MISSING_CODE : years > 25 ? 1 : 0)),
  };
  return table.withColumns([sex, ageGroup]);
}

export function germanCreditSource(options: GermanCreditOptions = {}): TabularSource {
  const table = loadGermanCreditTable();
  const target = options.target ?? "class";
  const original = table.names.filter((name) => name !== "sex" && name !== "age-group");
  return {
    name: "german-credit",
    table,
    target,
    positiveLabel: options.positive ?? (options.target === undefined ? "good" : undefined),
    features: original.filter((name) => name !== target),
    sensitive: options.sensitive ?? ["sex", "age-group"],
    derivedFrom: { sex: ["personal_status"], "age-group": ["age"] },
    sensitiveInFeatures: options.sensitiveInFeatures ?? true,
    seed: options.seed ?? 0,
  };
}
