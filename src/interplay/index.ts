/**
 * Fairness under privacy: the per-group cost of DP-SGD and why (clipping statistics), the
 * bound of Mangold et al. (2023), group-aware clipping (DPSGD-F), sensitive attributes
 * under local DP (debiased metrics, Mozannar et al.'s post-processing), and group metrics
 * released under central DP. See docs/interplay.md.
 */
export * from "./bound.js";
export * from "./central-release.js";
export * from "./clipping-stats.js";
export * from "./cost.js";
export * from "./document.js";
export * from "./explorer-levers.js";
export * from "./group-clipping.js";
export { renderInterplayHtml } from "./html.js";
export * from "./intervals.js";
export * from "./ldp.js";
export * from "./ldp-postprocess.js";
export * from "./private-fair.js";
export * from "./study.js";
