/**
 * Fairness: group metrics (MetricFrame), fairness measures and the mitigations that
 * need no tensor engine — reweighing, exponentiated gradient with the weighted
 * logistic regression, threshold optimisation, the penalties' arithmetic. A light
 * surface: importing it loads neither tfjs, nor SQLite, nor Node-only modules
 * (tested). The training-time mitigations on engine models are in ./training.ts.
 */

export * from "./constraint.js";
export * from "./exponentiated-gradient.js";
export * from "./groups.js";
export * from "./learner.js";
export * from "./linprog.js";
export * from "./measures.js";
export * from "./metric-frame.js";
export * from "./metrics.js";
export * from "./moments.js";
export * from "./penalty-maths.js";
export * from "./report.js";
export * from "./reweighing.js";
export * from "./threshold-optimizer.js";
