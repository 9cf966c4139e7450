export * from "./exact-sampling.js";
export * from "./exponential.js";
export * from "./gaussian.js";
export * from "./laplace.js";
export * from "./randomized-response.js";
export * from "./release.js";
