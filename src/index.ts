/** The public library surface: `import { ... } from "equipoise"`. */
export * from "./common/index.js";
