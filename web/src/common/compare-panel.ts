/** Up to four trials side by side: recipes, metrics, and per-group rates on one chart per attribute. */
import type { TrialDetail } from "../../../src/server/documents.js";
import { h } from "./dom.js";
import { formatEpsilon, formatParam, formatRate } from "./format.js";
import { SERIES_COLOURS } from "./palette.js";
import { drawChart } from "./plotly.js";

const SYMBOLS = ["", "/", ".", "x"];

export function comparePanel(details: TrialDetail[], splitName: "validation" | "test" = "test"): HTMLElement {
  const keys = [...new Set(details.flatMap((d) => Object.keys(d.recipe ?? d.params)))];
  const metric = (d: TrialDetail) => d.splits.find((s) => s.split === splitName)?.metrics;
  const metricRows: [string, (d: TrialDetail) => string][] = [
    ["accuracy", (d) => formatRate(metric(d)?.accuracy)],
    ["ε", (d) => formatEpsilon(metric(d)?.epsilon)],
    ["DP gap", (d) => formatRate(metric(d)?.dpDifference)],
    ["EO gap", (d) => formatRate(metric(d)?.eoDifference)],
    ["EOP gap", (d) => formatRate(metric(d)?.eopDifference)],
    ["on the front", (d) => (d.onPareto ? "◆ yes" : "no")],
  ];
  const table = h(
    "table",
    { class: "compare" },
    h("caption", {}, `Metrics on the ${splitName} split; recipes`),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, ""),
        details.map((d) => h("th", { scope: "col" }, `trial ${d.number}`)),
      ),
    ),
    h(
      "tbody",
      {},
      metricRows.map(([name, show]) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, name),
          details.map((d) => h("td", { class: "num" }, show(d))),
        ),
      ),
      keys.map((key) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, key),
          details.map((d) => h("td", { class: "num" }, formatParam((d.recipe ?? d.params)[key] as number))),
        ),
      ),
    ),
  );
  const groups = details[0]?.splits.find((s) => s.split === splitName)?.groups ?? [];
  const attributes = [...new Set(groups.map((g) => g.attribute))];
  const charts = attributes.flatMap((attribute) =>
    (["selectionRate", "accuracy"] as const).map((rate) => {
      const element = h("div", {
        class: "chart",
        role: "img",
        "aria-label": `${rate} by ${attribute} for each trial; the trial pages hold the figures`,
      });
      queueMicrotask(() => {
        void drawChart(
          element,
          details.map((d, k) => {
            const rows = (d.splits.find((s) => s.split === splitName)?.groups ?? []).filter(
              (g) => g.attribute === attribute,
            );
            return {
              type: "bar",
              name: `trial ${d.number}`,
              x: rows.map((g) => g.group),
              y: rows.map((g) => g[rate].value),
              error_y: {
                type: "data",
                symmetric: false,
                array: rows.map((g) => (Number.isNaN(g[rate].high) ? 0 : g[rate].high - g[rate].value)),
                arrayminus: rows.map((g) => (Number.isNaN(g[rate].low) ? 0 : g[rate].value - g[rate].low)),
                color: "#333333",
              },
              marker: { color: SERIES_COLOURS[k], pattern: { shape: SYMBOLS[k] } },
            };
          }),
          {
            barmode: "group",
            title: {
              text: `${rate === "selectionRate" ? "Selection rate" : "Accuracy"} by ${attribute} (${splitName}, 95% intervals)`,
            },
            yaxis: { range: [0, 1] },
          },
        );
      });
      return element;
    }),
  );
  return h(
    "article",
    { class: "compare-panel" },
    h("h1", {}, `Trials ${details.map((d) => d.number).join(", ")} side by side`),
    table,
    h("div", { class: "charts" }, charts),
  );
}
