/**
 * Preprocessing from declared metadata only ("public" mode): one-hot over the
 * declared categories, numeric columns clipped to their declared bounds [lo, hi] and
 * mapped to [−1, 1] by (x − mid) / half-range — after x ↦ log(1 + x), with the
 * bounds mapped alike, for a column that declares the log1p transform. No statistic of any row enters the
 * preprocessor, so two data sets that differ in one row — even a row with a category
 * no other row has, or an extreme value — give byte-identical preprocessors.
 */
import { DataError } from "../common/errors.js";
import { type ColumnMetadata, type DatasetMetadata, declarationOf } from "./metadata.js";
import { compareText, type FeatureTransform, Preprocessor } from "./preprocess.js";
import { type Column, MISSING_CODE, type Table, toCategorical } from "./table.js";

/**
 * A preprocessor built from declared metadata alone (nothing read from the rows); a
 * MissingDeclarationError naming the first undeclared column.
 *
 * @example
 * ```ts
 * import { publicPreprocessor, readCsv } from "equipoise/data";
 * const table = readCsv("age,group\n34,A\n51,B\n29,A\n");
 * const declared = { age: { bounds: [17, 90] as [number, number] }, group: { categories: ["A", "B"] } };
 * publicPreprocessor(table, ["age", "group"], declared).featureNames; // ["age", "group=A", "group=B"]
 * ```
 */
export function publicPreprocessor(
  table: Table,
  features: readonly string[],
  declared: DatasetMetadata,
): Preprocessor {
  const transforms = features.map((name) => {
    const column = table.column(name, "feature column");
    const transform = declaredTransform(column, declarationOf(declared, name));
    if (!transform) throw missingDeclaration(column, "public");
    return transform;
  });
  return Preprocessor.fromTransforms(transforms);
}

/**
 * The transform a column's declaration gives on its own: one-hot over the declared
 * categories (sorted, as every preprocessor's), or bounds scaling. Undefined when the
 * column has no declaration. A declaration that contradicts the column (bounds on a
 * column of text) is a DataError.
 *
 * @example
 * ```ts
 * import { declaredTransform, readCsv } from "equipoise/data";
 * const age = readCsv("age\n34\n51\n29\n").column("age");
 * declaredTransform(age, { bounds: [17, 90] }); // { kind: "standardise", column: "age", mean: 53.5, sd: 36.5, clip: [17, 90] }
 * ```
 */
export function declaredTransform(
  column: Column,
  meta: ColumnMetadata | undefined,
): FeatureTransform | undefined {
  if (!meta) return undefined;
  if (meta.categories) {
    return { kind: "one-hot", column: column.name, categories: [...meta.categories].sort(compareText) };
  }
  if (meta.bounds) {
    checkNumeric(column);
    const [lower, upper] = meta.bounds;
    const [low, high] = transformedBounds(meta);
    // Halves first: lower + upper overflows for bounds near ±1.8e308.
    return {
      kind: "standardise",
      column: column.name,
      mean: low / 2 + high / 2,
      sd: high / 2 - low / 2,
      clip: [lower, upper],
      ...(meta.transform === "log1p" ? { log1p: true as const } : {}),
    };
  }
  return undefined;
}

/** A numeric declaration's bounds in the units the scaling sees: after its transform, if any. */
export function transformedBounds(meta: ColumnMetadata): [number, number] {
  const [lower, upper] = meta.bounds!;
  return meta.transform === "log1p" ? [Math.log1p(lower), Math.log1p(upper)] : [lower, upper];
}

/**
 * Bounds on a column that holds text are a mistake in the declaration or the file.
 *
 * @example
 * ```ts
 * import { checkNumeric, readCsv } from "equipoise/data";
 * checkNumeric(readCsv("group\nA\nB\n").column("group"));
 * // DataError: column 'group' is declared numeric (bounds) but holds text such as 'A'
 * ```
 */
export function checkNumeric(column: Column): void {
  if (column.kind === "numeric") return;
  const example = column.categories.find((_, code) => column.codes.includes(code));
  throw new DataError(
    `column '${column.name}' is declared numeric (bounds) but holds text${example === undefined ? "" : ` such as '${example}'`}`,
  );
}

/**
 * A feature column lacks the public metadata a preprocessing mode needs (callers may fall back to another mode).
 *
 * @example
 * ```ts
 * import { MissingDeclarationError, publicPreprocessor, type Table } from "equipoise/data";
 * declare const table: Table; // training rows with an "age" column, declared nothing about
 * try {
 *   publicPreprocessor(table, ["age"], {});
 * } catch (error) {
 *   if (error instanceof MissingDeclarationError) console.error(error.message); // "... declare them with --bounds age=LO:HI ..."
 * }
 * ```
 */
export class MissingDeclarationError extends DataError {
  override name = "MissingDeclarationError";
}

/**
 * The error for a feature column without the declaration that `mode` needs, saying how to declare it.
 *
 * @example
 * ```ts
 * import { missingDeclaration, readCsv } from "equipoise/data";
 * const age = readCsv("age\n34\n").column("age");
 * throw missingDeclaration(age, "public"); // names the column and says how to declare its bounds
 * ```
 */
export function missingDeclaration(column: Column, mode: "public" | "private"): MissingDeclarationError {
  const why =
    mode === "public"
      ? "public preprocessing uses only declared metadata"
      : "private preprocessing clips to them";
  if (column.kind === "numeric") {
    return new MissingDeclarationError(
      `numeric column '${column.name}' has no declared bounds (${why}): declare them with --bounds ${column.name}=LO:HI or in a --schema file`,
    );
  }
  return new MissingDeclarationError(
    `categorical column '${column.name}' has no declared categories (public preprocessing uses only declared metadata): declare them with --categories ${column.name}=A|B|C or in a --schema file`,
  );
}

/**
 * What encoding `table` with a preprocessor loses: values clipped to declared bounds
 * and values outside a one-hot list (encoded as all zeros), counted per column.
 * These lines describe the rows themselves: they are for the user, not for release.
 *
 * @example
 * ```ts
 * import { encodingWarnings, publicPreprocessor, readCsv } from "equipoise/data";
 * const table = readCsv("age,group\n34,A\n151,B\n29,C\n");
 * const preprocessor = publicPreprocessor(table, ["age", "group"], { age: { bounds: [17, 90] }, group: { categories: ["A", "B"] } });
 * encodingWarnings(table, preprocessor);
 * // ["'age': 1 value(s) outside the bounds [17, 90] were clipped", "'group': 1 value(s) not among its 2 categories are encoded as all zeros (e.g. 'C')"]
 * ```
 */
export function encodingWarnings(table: Table, preprocessor: Preprocessor): string[] {
  const state = preprocessor.toJSON();
  if (state.kind !== "tabular") return [];
  const warnings: string[] = [];
  for (const t of state.transforms) {
    const column = table.column(t.column, "feature column");
    if (t.kind === "standardise" && t.clip && column.kind === "numeric") {
      const [lower, upper] = t.clip;
      let clipped = 0;
      for (const v of column.values) if (v < lower || v > upper) clipped++;
      if (clipped > 0)
        warnings.push(
          `'${t.column}': ${clipped} value(s) outside the bounds [${lower}, ${upper}] were clipped`,
        );
    } else if (t.kind === "one-hot") {
      const categorical = toCategorical(column);
      const known = new Set(t.categories);
      const unknownCode = categorical.categories.map((category) => !known.has(category));
      let outside = 0;
      const examples = new Set<string>();
      for (const code of categorical.codes) {
        if (code === MISSING_CODE || !unknownCode[code]) continue;
        outside++;
        if (examples.size < 3) examples.add(categorical.categories[code]);
      }
      if (outside > 0) {
        warnings.push(
          `'${t.column}': ${outside} value(s) not among its ${t.categories.length} categories are encoded as all zeros (e.g. ${[...examples].map((e) => `'${e}'`).join(", ")})`,
        );
      }
    }
  }
  return warnings;
}
