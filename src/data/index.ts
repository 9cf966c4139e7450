/** The data layer's public surface: tables, readers, preprocessing, splits, the dataset registry. */
export { type ArffTable, readArff } from "./arff.js";
export { type CsvOptions, DEFAULT_MISSING_TOKENS, readCsv } from "./csv.js";
export {
  ADULT_BOUNDS,
  ADULT_COLUMNS,
  adultMetadata,
  loadAdultTable,
  parseAdultNames,
} from "./datasets/adult.js";
export type { ColoredOptions } from "./datasets/colored-fashion-mnist.js";
export {
  COMPAS_FEATURES,
  COMPAS_METADATA,
  type CompasOptions,
  compasSourceFromTable,
  compasTableFromText,
  loadCompasTable,
  propublicaFilter,
} from "./datasets/compas.js";
export { FASHION_MNIST_CLASSES } from "./datasets/fashion-mnist.js";
export { GERMAN_CREDIT_BOUNDS, loadGermanCreditTable } from "./datasets/german-credit.js";
export { COMPAS_FILES, FASHION_MNIST_FILES } from "./datasets/remote-files.js";
export {
  generateSynthetic,
  SYNTHETIC_DEFAULTS,
  SYNTHETIC_METADATA,
  type SyntheticOptions,
} from "./datasets/synthetic.js";
export { readDataFile, type UserFileOptions } from "./datasets/user-file.js";
export {
  defaultCacheDir,
  downloadVerified,
  type FetchFunction,
  type FileLocationOptions,
  fileFingerprint,
  type LocatedFile,
  locateFile,
  type RemoteFile,
} from "./fetch.js";
export {
  CanonicalBytes,
  sha256HexWebCrypto,
  type TabularFingerprintInput,
  tabularFingerprint,
} from "./fingerprint.js";
export { type IdxArray, readIdx } from "./idx.js";
export {
  type ColumnMetadata,
  checkColumnMetadata,
  type DatasetMetadata,
  declarationOf,
  MAX_ONE_HOT_LEVELS,
  mergeMetadata,
  parseSchemaDocument,
} from "./metadata.js";
export {
  compareText,
  type FeatureTransform,
  MAX_FEATURE_VALUES,
  Preprocessor,
  type PreprocessorJSON,
} from "./preprocess.js";
export {
  FIT_NOT_FOR_RELEASE,
  type GaussianRelease,
  PREPROCESSING_MODES,
  type PreprocessingMode,
  type PreprocessingRecord,
  type PrivatePreprocessingFit,
  type PrivatePreprocessor,
} from "./preprocessing-record.js";
export {
  checkNumeric,
  declaredTransform,
  encodingWarnings,
  MissingDeclarationError,
  missingDeclaration,
  publicPreprocessor,
} from "./public-preprocessing.js";
export { DATASETS, type DatasetDescription, datasetNames, findDataset } from "./registry.js";
export {
  type ColumnKind,
  MOSTLY_NUMERIC,
  type SchemaOverrides,
  type TextColumnsOptions,
  tableFromTextRows,
} from "./schema.js";
export { type IndexSplit, selectSplit, splitValidation, stratifiedSplit } from "./split.js";
export { firstNonFinite, type MeanAndSd, meanAndSd } from "./statistics.js";
export {
  type CategoricalColumn,
  type Column,
  categoryCounts,
  cellText,
  encodeStrings,
  indicesWhere,
  isMissing,
  MISSING_CODE,
  mapCategories,
  type NumericColumn,
  Table,
  toCategorical,
} from "./table.js";
export { buildTabularTask, type TabularBuildOptions, type TabularSource } from "./tabular-task.js";
export { prepareTask, type TaskRequest } from "./task.js";
export type { Matrix, PreparedTask, SensitiveAttribute, Split } from "./types.js";
