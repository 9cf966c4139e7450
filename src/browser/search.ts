/**
 * The optimiser without its stores (src/search/core.ts). A browser page keeps its own
 * study (the in-browser explorer keeps one in sql.js); `Study` and `optimize` of
 * `equipoise/search` open SQLite or PostgreSQL stores and are Node-only.
 */
export * from "../search/core.js";
