/** The public library surface: `import { ... } from "equipoise"`. */

export * as audit from "./audit/index.js";
export * from "./common/index.js";
export * as data from "./data/index.js";
export * as explain from "./explain/index.js";
export * as explore from "./explore/index.js";
export * as fairness from "./fairness/index.js";
export * as federated from "./federated/index.js";
export * as fit from "./fit/index.js";
export * as interplay from "./interplay/index.js";
export * as nas from "./nas/index.js";
export * as nn from "./nn/index.js";
export * as privacy from "./privacy/index.js";
export * as report from "./report/index.js";
export * as search from "./search/index.js";
export * as train from "./train/index.js";
