/** The public library surface: `import { ... } from "equipoise"`. */
export * from "./common/index.js";
export * as data from "./data/index.js";
export * as explain from "./explain/index.js";
export * as explore from "./explore/index.js";
export * as fairness from "./fairness/index.js";
export * as fit from "./fit/index.js";
export * as nn from "./nn/index.js";
export * as privacy from "./privacy/index.js";
export * as report from "./report/index.js";
export * as search from "./search/index.js";
export * as train from "./train/index.js";
