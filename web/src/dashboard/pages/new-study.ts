/** Start a study from the page: a data set (bundled or uploaded), target, sensitive attribute, objectives, constraints, budget. */
import type { DatasetDoc } from "../../../../src/server/documents.js";
import { field, h, liveRegion, replace } from "../../common/dom.js";
import { api } from "../api.js";

const OBJECTIVES = [
  ["accuracy", "accuracy (as normalised error)"],
  ["epsilon", "privacy: ε"],
  ["dp", "demographic parity gap"],
  ["eo", "equalized odds gap"],
  ["eop", "equal opportunity gap"],
] as const;

export async function newStudyPage(main: HTMLElement): Promise<() => void> {
  document.title = "New study · Equipoise";
  const status = liveRegion();
  const datasetSelect = h("select", { name: "dataset", required: true });
  const upload = h("input", { type: "file", name: "upload", accept: ".csv,.tsv,.txt,text/csv" });
  const target = h("select", { name: "target", required: true });
  const positive = h("input", { type: "text", name: "positive", autocomplete: "off" });
  const sensitive = h("select", { name: "sensitive", required: true });
  const objectiveBoxes = OBJECTIVES.map(([name, label]) => {
    const box = h("input", {
      type: "checkbox",
      name: "objectives",
      value: name,
      checked: ["accuracy", "epsilon", "dp"].includes(name),
    });
    return h("label", { class: "inline" }, box, ` ${label}`);
  });
  const constraints = h("input", {
    type: "text",
    name: "constraints",
    placeholder: "e.g. epsilon<=8, accuracy>=0.8",
    autocomplete: "off",
  });
  const strategy = h(
    "select",
    { name: "strategy" },
    h("option", { value: "bo" }, "Bayesian optimisation (EHVI)"),
    h("option", { value: "nsga2" }, "NSGA-II"),
    h("option", { value: "random" }, "random search"),
  );
  const budget = h("input", {
    type: "number",
    name: "budget",
    min: "1",
    max: "10000",
    step: "1",
    value: "40",
    required: true,
  });
  const seed = h("input", { type: "number", name: "seed", min: "0", step: "1", value: "0", required: true });
  const name = h("input", {
    type: "text",
    name: "name",
    required: true,
    pattern: "[A-Za-z0-9][A-Za-z0-9_\\-]{0,63}",
    autocomplete: "off",
  });
  const submit = h("button", { type: "submit" }, "Start the study");
  const form = h(
    "form",
    { class: "new-study" },
    h("h1", { tabindex: "-1" }, "New study"),
    h(
      "p",
      { class: "lead" },
      "The explorer trains a reference model, then searches models, DP-SGD noise and fairness penalties for the best trade-offs. The study runs on this server; follow it on its page.",
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Data"),
      field("Data set", datasetSelect),
      field("…or upload a CSV file", upload, "Kept in the server's uploads folder. Header row first."),
      field("Target column", target),
      field(
        "Positive label (optional)",
        positive,
        "The target value that counts as the positive outcome; decided from the data when empty.",
      ),
      field("Sensitive attribute", sensitive),
    ),
    h("fieldset", {}, h("legend", {}, "Objectives (two or three, all minimised)"), objectiveBoxes),
    h(
      "fieldset",
      {},
      h("legend", {}, "Search"),
      field(
        "Constraints",
        constraints,
        "Bounds every chosen trial must meet, comma-separated: epsilon, accuracy, dp, eo, eop with <= or >=.",
      ),
      field("Strategy", strategy),
      field("Budget (trials)", budget),
      field("Seed", seed),
      field("Study name", name, "Letters, digits, '-' and '_'; the study file is NAME.db."),
    ),
    submit,
    status,
  );
  replace(main, form);
  form.querySelector<HTMLElement>("h1")?.focus();

  let datasets: DatasetDoc[] = (await api.datasets()).datasets;
  const fillDatasets = (chosen?: string) => {
    replace(
      datasetSelect,
      datasets.map((d) =>
        h("option", { value: d.id, selected: d.id === chosen }, `${d.name} — ${d.summary}`),
      ),
    );
    if (chosen) datasetSelect.value = chosen;
    fillColumns();
  };
  const fillColumns = () => {
    const dataset = datasets.find((d) => d.id === datasetSelect.value);
    if (!dataset) return;
    replace(
      target,
      dataset.choices.targets.map((c) =>
        h("option", { value: c, selected: c === dataset.defaults.target }, c),
      ),
    );
    const fillSensitive = () => {
      replace(
        sensitive,
        dataset.choices.sensitive
          .filter((c) => c !== target.value)
          .map((c) => h("option", { value: c, selected: dataset.defaults.sensitive.includes(c) }, c)),
      );
    };
    target.onchange = fillSensitive;
    fillSensitive();
    positive.value = dataset.defaults.positive ?? "";
    positive.disabled = dataset.source === "bundled";
    if (!name.value || name.dataset.auto) {
      name.value = `${dataset.id}-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, "-")}`.slice(
        0,
        64,
      );
      name.dataset.auto = "1";
    }
  };
  name.addEventListener("input", () => delete name.dataset.auto);
  datasetSelect.addEventListener("change", fillColumns);
  upload.addEventListener("change", async () => {
    const file = upload.files?.[0];
    if (!file) return;
    status.textContent = `uploading ${file.name}…`;
    try {
      const doc = await api.upload(file);
      datasets = (await api.datasets()).datasets;
      fillDatasets(doc.id);
      status.textContent = `${file.name}: ${doc.summary}. Pick the target and the sensitive attribute.`;
    } catch (error) {
      status.textContent = error instanceof Error ? error.message : String(error);
    }
  });
  fillDatasets(datasets[0]?.id);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const objectives = objectiveBoxes
      .map((l) => l.querySelector("input")!)
      .filter((b) => b.checked)
      .map((b) => b.value);
    if (objectives.length < 2 || objectives.length > 3) {
      status.textContent = "Choose two or three objectives.";
      return;
    }
    const dataset = datasets.find((d) => d.id === datasetSelect.value);
    submit.disabled = true;
    status.textContent = "starting…";
    try {
      await api.createStudy({
        name: name.value,
        dataset: datasetSelect.value,
        ...(dataset?.source === "upload" ? { target: target.value } : {}),
        ...(positive.value && dataset?.source === "upload" ? { positive: positive.value } : {}),
        sensitive: [sensitive.value],
        objectives,
        constraints: constraints.value
          .split(",")
          .map((c) => c.trim())
          .filter(Boolean),
        strategy: strategy.value,
        budget: Number(budget.value),
        seed: Number(seed.value),
      });
      location.hash = `#/studies/${encodeURIComponent(name.value)}`;
    } catch (error) {
      status.textContent = error instanceof Error ? error.message : String(error);
    } finally {
      submit.disabled = false;
    }
  });
  return () => {};
}
