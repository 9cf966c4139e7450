export * from "./errors.js";
export * from "./rng.js";
