/**
 * One trial: its recipe, its metrics on validation and test beside the reference
 * model's, per-group rates with 95% intervals (table and chart), and the cost of
 * privacy by group. The host page may add sections (audits, explanations).
 */
import type { GroupRow, Interval, MetricSummary, TrialDetail } from "../../../src/server/documents.js";
import { h, replace } from "./dom.js";
import { formatEpsilon, formatInterval, formatParam, formatRate, formatSeconds } from "./format.js";
import { OKABE_ITO, SERIES_COLOURS } from "./palette.js";
import { drawChart } from "./plotly.js";

export interface TrialPanelOptions {
  reference?: { validation: MetricSummary; test: MetricSummary } | null;
  /** Links or buttons shown under the heading. */
  actions?: HTMLElement[];
  /** Sections appended at the end (audits, explanations). */
  sections?: HTMLElement[];
}

export function trialPanel(detail: TrialDetail, options: TrialPanelOptions = {}): HTMLElement {
  const badges = [
    detail.onPareto ? h("span", { class: "badge pareto" }, "◆ on the Pareto front") : null,
    detail.feasible ? null : h("span", { class: "badge" }, "✕ breaks a constraint"),
  ];
  const split =
    detail.splits.length > 0 ? (detail.splits.find((s) => s.split === "test") ?? detail.splits[0]) : null;
  const groupsArea = h("div", { class: "groups" });
  const chooser =
    detail.splits.length > 1
      ? h(
          "fieldset",
          { class: "inline" },
          h("legend", {}, "Per-group figures on"),
          detail.splits.map((s) => {
            const input = h("input", {
              type: "radio",
              name: `split-${detail.number}`,
              value: s.split,
              checked: s === split,
            });
            input.addEventListener("change", () => {
              if (input.checked) renderGroups(groupsArea, detail, s.split);
            });
            return h("label", {}, input, ` ${s.split}`);
          }),
        )
      : null;
  const element = h(
    "article",
    { class: "trial-panel" },
    h("h1", {}, `Trial ${detail.number}`, " ", badges),
    h(
      "p",
      { class: "lead" },
      `${detail.state}; trained in ${formatSeconds(detail.trainSeconds ?? detail.durationSeconds)}.`,
      detail.error ? ` Error: ${detail.error}` : "",
    ),
    options.actions?.length ? h("div", { class: "actions" }, options.actions) : null,
    h("section", { "aria-label": "recipe" }, h("h2", {}, "Recipe"), paramsTable(detail)),
    detail.splits.length > 0
      ? h(
          "section",
          { "aria-label": "metrics" },
          h("h2", {}, "Metrics"),
          metricsTable(detail, options.reference ?? null),
        )
      : null,
    detail.privacy
      ? h("section", { "aria-label": "privacy" }, h("h2", {}, "Privacy"), privacyList(detail))
      : null,
    split ? h("section", { "aria-label": "groups" }, h("h2", {}, "By group"), chooser, groupsArea) : null,
    options.sections ?? [],
    detail.notes.length
      ? h(
          "section",
          { "aria-label": "notes" },
          h("h2", {}, "Notes"),
          h(
            "ul",
            {},
            detail.notes.map((n) => h("li", {}, n)),
          ),
        )
      : null,
  );
  if (split) queueMicrotask(() => renderGroups(groupsArea, detail, split.split));
  return element;
}

function paramsTable(detail: TrialDetail): HTMLElement {
  const entries = Object.entries(detail.recipe ?? detail.params);
  return h(
    "table",
    { class: "kv" },
    h(
      "tbody",
      {},
      entries.map(([k, v]) =>
        h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, formatParam(v as number))),
      ),
    ),
  );
}

function metricsTable(detail: TrialDetail, reference: TrialPanelOptions["reference"]): HTMLElement {
  const columns: [string, MetricSummary][] = detail.splits.map((s) => [`this trial, ${s.split}`, s.metrics]);
  if (reference) columns.push(["reference model, test", reference.test]);
  const rows: [string, (m: MetricSummary) => string][] = [
    ["accuracy", (m) => formatRate(m.accuracy)],
    ["ε", (m) => formatEpsilon(m.epsilon)],
    ["demographic parity gap", (m) => formatRate(m.dpDifference)],
    ["equalized odds gap", (m) => formatRate(m.eoDifference)],
    ["equal opportunity gap", (m) => formatRate(m.eopDifference)],
  ];
  return h(
    "table",
    {},
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "metric"),
        columns.map(([name]) => h("th", { scope: "col" }, name)),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map(([name, show]) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, name),
          columns.map(([, m]) => h("td", { class: "num" }, show(m))),
        ),
      ),
    ),
  );
}

function privacyList(detail: TrialDetail): HTMLElement {
  const privacy = detail.privacy ?? {};
  return h(
    "dl",
    {},
    Object.entries(privacy).flatMap(([k, v]) => [
      h("dt", {}, k),
      h("dd", {}, typeof v === "number" ? formatParam(v) : String(v)),
    ]),
  );
}

const RATES: [keyof Pick<GroupRow, "selectionRate" | "accuracy" | "tpr" | "fpr">, string][] = [
  ["selectionRate", "selection rate"],
  ["accuracy", "accuracy"],
  ["tpr", "true positive rate"],
  ["fpr", "false positive rate"],
];

function renderGroups(area: HTMLElement, detail: TrialDetail, splitName: string): void {
  const split = detail.splits.find((s) => s.split === splitName);
  if (!split) return;
  const attributes = [...new Set(split.groups.map((g) => g.attribute))];
  const charts = attributes.map(() => h("div", { class: "chart", role: "img" }));
  const costChart = h("div", { class: "chart", role: "img", "aria-label": "cost of privacy by group" });
  replace(
    area,
    attributes.map((attribute, k) => {
      charts[k].setAttribute(
        "aria-label",
        `rates by ${attribute}, with 95% intervals; the table holds the same figures`,
      );
      return h(
        "div",
        { class: "group-block" },
        h("h3", {}, `${attribute} (${splitName})`),
        charts[k],
        groupTable(split.groups.filter((g) => g.attribute === attribute)),
      );
    }),
    split.costOfPrivacy.length
      ? h(
          "div",
          { class: "group-block" },
          h("h3", {}, `Cost of privacy by group (${splitName})`),
          h(
            "p",
            { class: "hint" },
            "Accuracy of the non-private, unmitigated reference model minus this trial's, on the same rows. Positive: this trial is less accurate for the group.",
          ),
          costChart,
          costTable(split.costOfPrivacy),
        )
      : null,
    matchedCostBlock(detail, splitName),
  );
  attributes.forEach((attribute, k) => {
    const groups = split.groups.filter((g) => g.attribute === attribute);
    void drawChart(
      charts[k],
      RATES.map(([key, label], r) => ({
        type: "bar",
        name: label,
        x: groups.map((g) => `${g.group} (n=${g.count})`),
        y: groups.map((g) => g[key].value),
        error_y: errorBars(groups.map((g) => g[key])),
        marker: { color: SERIES_COLOURS[r], pattern: { shape: ["", "/", ".", "x"][r] } },
        hovertemplate: `%{x}: ${label} %{y:.3f}<extra></extra>`,
      })),
      {
        barmode: "group",
        yaxis: { range: [0, 1], title: { text: "rate" } },
        title: { text: `Rates by ${attribute}` },
      },
    );
  });
  if (split.costOfPrivacy.length) {
    void drawChart(
      costChart,
      [
        {
          type: "bar",
          x: split.costOfPrivacy.map((row) => `${row.attribute}: ${row.group}`),
          y: split.costOfPrivacy.map((row) => row.difference),
          marker: {
            color: split.costOfPrivacy.map((row) =>
              row.difference > 0 ? OKABE_ITO.vermillion : OKABE_ITO.blue,
            ),
          },
          hovertemplate: "%{x}: %{y:.3f}<extra></extra>",
        },
      ],
      {
        yaxis: { title: { text: "reference − trial accuracy" }, zeroline: true },
        title: { text: "Accuracy lost by group" },
      },
    );
  }
}

function errorBars(intervals: Interval[]) {
  return {
    type: "data",
    symmetric: false,
    array: intervals.map((i) => (Number.isNaN(i.high) ? 0 : i.high - i.value)),
    arrayminus: intervals.map((i) => (Number.isNaN(i.low) ? 0 : i.value - i.low)),
    color: "#333333",
    thickness: 1.2,
    width: 3,
  };
}

function groupTable(groups: GroupRow[]): HTMLElement {
  return h(
    "table",
    {},
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "group"),
        h("th", { scope: "col" }, "rows"),
        RATES.map(([, label]) => h("th", { scope: "col" }, `${label} [95% interval]`)),
      ),
    ),
    h(
      "tbody",
      {},
      groups.map((g) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, g.group),
          h("td", { class: "num" }, String(g.count)),
          RATES.map(([key]) => h("td", { class: "num" }, formatInterval(g[key]))),
        ),
      ),
    ),
  );
}

function costTable(rows: TrialDetail["splits"][number]["costOfPrivacy"]): HTMLElement {
  return h(
    "table",
    {},
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["group", "this trial's accuracy", "reference accuracy", "difference"].map((c) =>
          h("th", { scope: "col" }, c),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((row) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, `${row.attribute}: ${row.group}`),
          h("td", { class: "num" }, formatInterval(row.trial)),
          h("td", { class: "num" }, formatInterval(row.reference)),
          h("td", { class: "num" }, formatRate(row.difference)),
        ),
      ),
    ),
  );
}

/** Signed, with a true minus: "+0.012", "−0.034". */
function signed(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return `${value > 0 ? "+" : value < 0 ? "−" : ""}${Math.abs(value).toFixed(3)}`;
}

/**
 * The cost of privacy against the trial's matched model (same recipe and seed without
 * DP), which isolates DP-SGD's share; shown only when the study stored it.
 */
function matchedCostBlock(detail: TrialDetail, splitName: string): HTMLElement | null {
  const cost = detail.matchedPrivacyCost;
  const split = cost?.splits.find((s) => s.split === splitName);
  if (!cost || !split) return null;
  const head = [
    cost.attribute,
    "rows",
    "accuracy (private)",
    "accuracy (matched)",
    "accuracy cost",
    "Δ TPR",
    "Δ FPR",
    "Δ selection rate",
  ];
  return h(
    "div",
    { class: "group-block" },
    h("h3", {}, `Cost of privacy against the matched model (${splitName})`),
    h(
      "p",
      { class: "hint" },
      "The matched model is this trial's recipe and seed trained without DP, so the difference is DP-SGD's alone. Accuracy cost: matched minus private; Δ: private minus matched.",
    ),
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          head.map((c) => h("th", { scope: "col" }, c)),
        ),
      ),
      h(
        "tbody",
        {},
        split.groups.map((g) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, g.group),
            h("td", { class: "num" }, String(g.count)),
            h("td", { class: "num" }, formatRate(g.privateAccuracy)),
            h("td", { class: "num" }, formatRate(g.matchedAccuracy)),
            h("td", { class: "num" }, signed(g.accuracyCost)),
            h("td", { class: "num" }, signed(g.tprChange)),
            h("td", { class: "num" }, signed(g.fprChange)),
            h("td", { class: "num" }, signed(g.selectionRateChange)),
          ),
        ),
      ),
    ),
    h("p", {}, `Disparity of the cost (largest − smallest group): ${signed(split.disparity)}.`),
    h("p", { class: "notice" }, cost.notCoveredByEpsilon),
  );
}
