/**
 * Groups defined by one or several sensitive features. With several features the
 * groups are their intersections (every combination of categories), in lexicographic
 * order of the category codes, as pandas' groupby orders Fairlearn's MultiIndex.
 *
 * `validateSensitiveAttributes` is what every command does with its sensitive columns
 * before measuring anything, so that they refuse and warn alike: an empty value is a
 * missing value (the row is left out, with a warning), never a group named ""; more
 * than MAX_CATEGORIES groups in one column is refused (the data layer's limit); a
 * column with a single group in the rows at hand gets a warning, because every gap is
 * then 0 by construction, which would otherwise read as "perfectly fair".
 */
import { DataError } from "../common/errors.js";
import { MAX_CATEGORIES } from "../common/limits.js";

/**
 * A coded categorical column (the shape of src/data's SensitiveAttribute).
 *
 * @example
 * ```ts
 * import { type CodedFeature, MetricFrame } from "equipoise/fairness";
 * const sex: CodedFeature = { name: "sex", categories: ["F", "M"], codes: Int32Array.of(0, 0, 1, 1) };
 * const frame = new MetricFrame({ metrics: ["selection_rate"], yTrue: [1, 0, 1, 0], yPred: [1, 0, 0, 0], sensitiveFeatures: [sex] });
 * frame.byGroup.selection_rate; // [0.5, 0]: F then M, in the order of `categories`
 * ```
 */
export interface CodedFeature {
  name: string;
  categories: string[];
  codes: ArrayLike<number>;
}

/**
 * Raw values; categories are their distinct values, sorted (numbers numerically).
 *
 * @example
 * ```ts
 * import { MetricFrame, type ValuedFeature } from "equipoise/fairness";
 * const age: ValuedFeature = { name: "age_group", values: [30, 50, 30, 50] }; // categories 30, 50 (numerically sorted)
 * const frame = new MetricFrame({ metrics: ["accuracy"], yTrue: [1, 0, 1, 0], yPred: [1, 0, 0, 0], sensitiveFeatures: [age] });
 * frame.groups.map((group) => group.label); // ["30", "50"]
 * ```
 */
export interface ValuedFeature {
  name: string;
  values: ArrayLike<string | number>;
}

/**
 * A sensitive attribute of every row, coded (categories and codes) or as raw values.
 *
 * @example
 * ```ts
 * import { demographicParityDifference, type SensitiveFeature } from "equipoise/fairness";
 * const sex: SensitiveFeature = { name: "sex", values: ["F", "F", "M", "M"] }; // or coded: { name, categories, codes }
 * demographicParityDifference([1, 0, 1, 0], [1, 0, 1, 1], { sensitiveFeatures: [sex] }); // 0.5
 * ```
 */
export type SensitiveFeature = CodedFeature | ValuedFeature;

/**
 * A column as read from a file: null, undefined, NaN and "" (after trimming) are missing values.
 *
 * @example
 * ```ts
 * import { type RawFeature, validateSensitiveAttributes } from "equipoise/fairness";
 * const sex: RawFeature = { name: "sex", values: ["F", "", "M", null] }; // "" and null are missing
 * const checked = validateSensitiveAttributes([sex], 4);
 * checked.rows; // Int32Array [0, 2]: the rows with a value
 * ```
 */
export interface RawFeature {
  name: string;
  values: ArrayLike<string | number | null | undefined>;
}

/**
 * One group of rows sharing the categories of every sensitive feature.
 *
 * @example
 * ```ts
 * import { type Group, groupRows } from "equipoise/fairness";
 * const grouping = groupRows([{ name: "sex", values: ["F", "M", "F"] }, { name: "race", values: ["B", "W", "W"] }], 3);
 * const [first]: Group[] = grouping.groups;
 * first.label; // "F, B": the categories of every feature, in feature order
 * first.indices; // Int32Array [0]: its rows
 * ```
 */
export interface Group {
  /** "Female" or, for intersections, "Female, White". */
  label: string;
  /** The category of each sensitive feature, in feature order. */
  values: string[];
  /** Row indices of the members. */
  indices: Int32Array;
}

/**
 * The rows split into groups by one or more sensitive features (their intersection).
 *
 * @example
 * ```ts
 * import { type Grouping, groupRows } from "equipoise/fairness";
 * const grouping: Grouping = groupRows([{ name: "sex", values: ["F", "M", "F"] }, { name: "race", values: ["B", "W", "W"] }], 3);
 * grouping.groupOfRow; // the group index of every row
 * grouping.emptyGroups; // ["M, B"]: a combination of categories without members
 * ```
 */
export interface Grouping {
  featureNames: string[];
  /** Groups with at least one member. */
  groups: Group[];
  /** Group index of every row. */
  groupOfRow: Int32Array;
  /** Labels of category combinations without members. */
  emptyGroups: string[];
}

const isMissingValue = (value: string | number | null | undefined): boolean =>
  value === null ||
  value === undefined ||
  (typeof value === "number" ? Number.isNaN(value) : value.trim() === "");

/**
 * A sensitive feature as categories and codes (raw values' categories sorted, numbers numerically).
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * fairness.toCodedFeature({ name: "race", values: ["b", "a", "b"] });
 * // { name: "race", categories: ["a", "b"], codes: Int32Array [1, 0, 1] }
 * ```
 */
export function toCodedFeature(feature: SensitiveFeature): CodedFeature {
  if ("codes" in feature) return feature;
  const raw = Array.from(feature.values as ArrayLike<string | number>);
  const missing = raw.findIndex(isMissingValue);
  if (missing >= 0) {
    throw new DataError(
      `sensitive feature '${feature.name}' has no value at row ${missing}: an empty value is missing, not a group (leave such rows out: validateSensitiveAttributes)`,
    );
  }
  const numeric = raw.every((v) => typeof v === "number");
  const distinct = [...new Set(raw)];
  distinct.sort((a, b) =>
    numeric ? (a as number) - (b as number) : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0,
  );
  const index = new Map(distinct.map((v, i) => [v, i]));
  const codes = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) codes[i] = index.get(raw[i])!;
  return { name: feature.name, categories: distinct.map(String), codes };
}

/**
 * Splits `rows` rows into the groups of the features' intersection; a DataError for a feature of the
 * wrong length or with too many categories.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const sex = { name: "sex", values: ["F", "M", "F"] };
 * const race = { name: "race", values: ["a", "a", "b"] };
 * const grouping = fairness.groupRows([sex, race], 3);
 * grouping.groups.map((g) => g.label); // ["F, a", "F, b", "M, a"]
 * grouping.groupOfRow; // Int32Array [0, 2, 1]; grouping.emptyGroups is ["M, b"]
 * ```
 */
export function groupRows(features: SensitiveFeature[], rows: number): Grouping {
  if (features.length === 0) throw new DataError("at least one sensitive feature is needed");
  const coded = features.map(toCodedFeature);
  for (const f of coded) {
    if (f.codes.length !== rows) {
      throw new DataError(`sensitive feature '${f.name}' has ${f.codes.length} values, expected ${rows}`);
    }
  }
  // Mixed-radix key over the category codes; the first feature is the most significant.
  const radices = coded.map((f) => f.categories.length);
  const combinations = radices.reduce((a, b) => a * b, 1);
  const keyOfRow = new Int32Array(rows);
  const members = new Int32Array(combinations);
  for (let i = 0; i < rows; i++) {
    let key = 0;
    for (let f = 0; f < coded.length; f++) {
      const code = coded[f].codes[i];
      if (!(code >= 0 && code < radices[f])) {
        throw new DataError(`sensitive feature '${coded[f].name}' has an invalid code ${code} at row ${i}`);
      }
      key = key * radices[f] + code;
    }
    keyOfRow[i] = key;
    members[key]++;
  }
  const groups: Group[] = [];
  const emptyGroups: string[] = [];
  const groupOfKey = new Int32Array(combinations).fill(-1);
  for (let key = 0; key < combinations; key++) {
    const values: string[] = [];
    let rest = key;
    for (let f = coded.length - 1; f >= 0; f--) {
      values.unshift(coded[f].categories[rest % radices[f]]);
      rest = Math.floor(rest / radices[f]);
    }
    const label = values.join(", ");
    if (members[key] === 0) {
      emptyGroups.push(label);
      continue;
    }
    groupOfKey[key] = groups.length;
    groups.push({ label, values, indices: new Int32Array(members[key]) });
  }
  const filled = new Int32Array(groups.length);
  const groupOfRow = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const g = groupOfKey[keyOfRow[i]];
    groupOfRow[i] = g;
    groups[g].indices[filled[g]++] = i;
  }
  return { featureNames: coded.map((f) => f.name), groups, groupOfRow, emptyGroups };
}

/**
 * Sensitive attributes with rows missing a value left out: the coded attributes, the rows kept, and lines for the user.
 *
 * @example
 * ```ts
 * import { type ValidatedSensitiveAttributes, validateSensitiveAttributes } from "equipoise/fairness";
 * const checked: ValidatedSensitiveAttributes = validateSensitiveAttributes([{ name: "sex", values: ["F", null, "M"] }], 3);
 * checked.features[0].categories; // ["F", "M"]
 * checked.rows; // Int32Array [0, 2]: measure on these rows only
 * checked.warnings; // one line for the row left out
 * ```
 */
export interface ValidatedSensitiveAttributes {
  /** The attributes restricted to `rows`, coded (a coded input keeps its categories). */
  features: CodedFeature[];
  /** Rows where every attribute has a value, as indices into the input. */
  rows: Int32Array;
  /** Rows left out for a missing value; attributes with a single group in `rows`. */
  warnings: string[];
}

/**
 * The one check of sensitive attributes that every command runs (see the header).
 * Coded inputs mark a missing value with a negative code (the data layer's
 * MISSING_CODE). Raw values become categories in pandas' order for a column read from
 * a CSV file: numerically when every value is a number, else by code point.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const checked = fairness.validateSensitiveAttributes([{ name: "sex", values: ["F", null, "M"] }], 3);
 * checked.rows; // Int32Array [0, 2]
 * checked.warnings; // ["'sex' has no value in 1 of 3 rows: they are left out"]
 * ```
 */
export function validateSensitiveAttributes(
  features: (RawFeature | CodedFeature)[],
  rowCount: number,
): ValidatedSensitiveAttributes {
  if (features.length === 0) throw new DataError("at least one sensitive attribute is needed");
  const coded = features.map((f) => ("codes" in f ? f : codeRawFeature(f)));
  const complete = new Uint8Array(rowCount).fill(1);
  const warnings: string[] = [];
  for (const f of coded) {
    if (f.codes.length !== rowCount) {
      throw new DataError(
        `sensitive attribute '${f.name}' has ${f.codes.length} values, expected ${rowCount}`,
      );
    }
    const present = new Set<number>();
    let missing = 0;
    for (let i = 0; i < rowCount; i++) {
      const code = f.codes[i];
      if (code < 0) {
        missing++;
        complete[i] = 0;
      } else if (code >= f.categories.length || !Number.isInteger(code)) {
        throw new DataError(`sensitive attribute '${f.name}' has an invalid code ${code} at row ${i}`);
      } else present.add(code);
    }
    if (present.size > MAX_CATEGORIES) {
      throw new DataError(
        `sensitive column '${f.name}' has ${present.size} distinct values; group it first (at most ${MAX_CATEGORIES})`,
      );
    }
    if (missing > 0)
      warnings.push(`'${f.name}' has no value in ${missing} of ${rowCount} rows: they are left out`);
  }
  const rows = Int32Array.from(indicesWhere(complete));
  if (rows.length === 0) {
    throw new DataError(
      `no row has a value of every sensitive attribute (${coded.map((f) => f.name).join(", ")})`,
    );
  }
  const kept = coded.map((f) => ({
    name: f.name,
    categories: f.categories,
    codes: Int32Array.from(rows, (i) => f.codes[i]),
  }));
  for (const f of kept) {
    if (new Set(f.codes).size === 1) {
      warnings.push(`'${f.name}' has one group in these rows: every gap is 0 by construction`);
    }
  }
  return { features: kept, rows, warnings };
}

function indicesWhere(mask: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) out.push(i);
  return out;
}

/** Codes of a raw column, −1 for a missing value; categories in pandas' order (see above). */
function codeRawFeature(feature: RawFeature): CodedFeature {
  const text = Array.from(feature.values, (v) => (isMissingValue(v) ? null : String(v).trim()));
  const distinct = [...new Set(text.filter((v): v is string => v !== null))];
  const numeric = distinct.every((v) => Number.isFinite(Number(v)));
  distinct.sort((a, b) =>
    numeric ? Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0) : a < b ? -1 : a > b ? 1 : 0,
  );
  const index = new Map(distinct.map((v, i) => [v, i]));
  const codes = Int32Array.from(text, (v) => (v === null ? -1 : index.get(v)!));
  return { name: feature.name, categories: distinct, codes };
}
