export * from "./defaults.js";
export * from "./errors.js";
export * from "./json.js";
export * from "./rng.js";
