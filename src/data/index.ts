/** The data layer's public surface: tables, readers, preprocessing, splits, the dataset registry. */
export { type ArffTable, readArff } from "./arff.js";
export { type CsvOptions, DEFAULT_MISSING_TOKENS, readCsv } from "./csv.js";
export { ADULT_COLUMNS, loadAdultTable } from "./datasets/adult.js";
export { COMPAS_FEATURES, loadCompasTable, propublicaFilter } from "./datasets/compas.js";
export { FASHION_MNIST_CLASSES } from "./datasets/fashion-mnist.js";
export { loadGermanCreditTable } from "./datasets/german-credit.js";
export { COMPAS_FILES, FASHION_MNIST_FILES } from "./datasets/remote-files.js";
export { generateSynthetic, SYNTHETIC_DEFAULTS, type SyntheticOptions } from "./datasets/synthetic.js";
export { readDataFile } from "./datasets/user-file.js";
export {
  defaultCacheDir,
  downloadVerified,
  type FetchFunction,
  type FileLocationOptions,
  type LocatedFile,
  locateFile,
  type RemoteFile,
} from "./fetch.js";
export { type IdxArray, readIdx } from "./idx.js";
export { type FeatureTransform, Preprocessor, type PreprocessorJSON } from "./preprocess.js";
export { DATASETS, type DatasetDescription, datasetNames, findDataset } from "./registry.js";
export { type ColumnKind, type SchemaOverrides, tableFromTextRows } from "./schema.js";
export { type IndexSplit, selectSplit, splitValidation, stratifiedSplit } from "./split.js";
export {
  type CategoricalColumn,
  type Column,
  categoryCounts,
  cellText,
  encodeStrings,
  isMissing,
  MISSING_CODE,
  mapCategories,
  type NumericColumn,
  Table,
  toCategorical,
} from "./table.js";
export { buildTabularTask, type TabularSource } from "./tabular-task.js";
export { prepareTask, type TaskRequest } from "./task.js";
export type { Matrix, PreparedTask, SensitiveAttribute, Split } from "./types.js";
