/**
 * What runs in a browser: `import { fairness, accounting, search } from "equipoise/browser"`.
 * Group fairness metrics and the mitigations without a neural network, the privacy
 * accountants and noise calibration, the audit's statistics and documents, the optimiser
 * (ask/tell strategies, Pareto fronts, hypervolumes), the explorer's objectives and
 * constraints, and the study report (JSON document → self-contained HTML). Nothing here
 * imports a Node built-in, SQLite, PostgreSQL or the tensor engine: test/package/browser.test.ts
 * bundles this entry point with esbuild for the browser platform and fails on any such import.
 * Randomness that must be secure comes from Web Crypto.
 *
 * @example
 * ```ts
 * import { accounting, fairness } from "equipoise/browser";
 * const rdp = accounting.createAccountant("rdp");
 * rdp.step(0.01, 1.0, 1000);
 * rdp.epsilon(1e-5); // 2.1014 (Opacus 1.4: 2.1014)
 * fairness.demographicParityDifference([1, 0], [1, 0], { sensitiveFeatures: [{ name: "g", values: ["a", "b"] }] }); // 1
 * ```
 */
export * as audit from "../audit/light.js";
export * from "../common/index.js";
export * as explore from "../explore/objectives.js";
export * as fairness from "../fairness/index.js";
export * as accounting from "../privacy/accounting.js";
export { renderHtmlReport } from "../report/html.js";
export { renderJsonReport, reportDataFromJson } from "../report/json.js";
export type { ReportData } from "../report/types.js";
export * as search from "./search.js";
