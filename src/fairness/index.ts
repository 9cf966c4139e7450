/** Fairness: group metrics (MetricFrame), fairness measures and mitigation before, during and after training. */

export * from "./constraint.js";
export * from "./exponentiated-gradient.js";
export * from "./groups.js";
export * from "./learner.js";
export * from "./linprog.js";
export * from "./measures.js";
export * from "./metric-frame.js";
export * from "./metrics.js";
export * from "./moments.js";
export * from "./penalty.js";
export * from "./reference-penalty.js";
export * from "./report.js";
export * from "./reweighing.js";
export * from "./threshold-optimizer.js";
