/** Shared numerics: optimisation and dense linear algebra on Float64Arrays. */
export * from "./lbfgs.js";
export * from "./linalg.js";
