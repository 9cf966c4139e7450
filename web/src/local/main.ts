/**
 * The in-browser explorer's page: drop a CSV, pick the target and the sensitive
 * attribute, and run the study in this browser (Web Workers, WebAssembly or WebGPU). Nothing
 * is sent anywhere: the page loads its code and then works offline; the data and
 * the study stay in this browser (IndexedDB) so that a reload resumes the study.
 */
import { readCsv } from "../../../src/data/csv.js";
import type { ObjectiveName } from "../../../src/explore/objectives.js";
import type { StrategyName } from "../../../src/search/strategies/index.js";
import { type ColumnDescription, describeColumns, groupableColumns } from "../../../src/server/columns.js";
import type { StudyView, TrialDetail } from "../../../src/server/documents.js";
import { comparePanel } from "../common/compare-panel.js";
import { field, h, liveRegion, replace } from "../common/dom.js";
import { MAX_COMPARED, StudyPanel } from "../common/study-panel.js";
import { trialPanel } from "../common/trial-panel.js";
import type { BackendPreference } from "./backend-choice.js";
import type { LocalStudyRequest } from "./explorer.js";
import type { StudyWorkerReply, StudyWorkerRequest } from "./messages.js";
import { deleteStudy, listStudies, loadStudy, type SavedStudy, saveStudy } from "./persistence.js";

const OBJECTIVES: [ObjectiveName, string][] = [
  ["accuracy", "accuracy (as normalised error)"],
  ["epsilon", "privacy: ε"],
  ["dp", "demographic parity gap"],
  ["eo", "equalized odds gap"],
  ["eop", "equal opportunity gap"],
];

const main = document.getElementById("main")!;
const status = liveRegion();
const home = h("div");
const detailArea = h("div", { hidden: true });
let worker: Worker | null = null;
let trialWorkers: Worker[] = [];
let current: SavedStudy | null = null;
let panel: StudyPanel | null = null;
const studyArea = h("section", { "aria-label": "the study", class: "local-study" });
const savedArea = h("div", { class: "table-wrap" });

// ---- the data and the study's settings ------------------------------------------------------

const fileInput = h("input", { type: "file", accept: ".csv,.tsv,.txt,text/csv", name: "file" });
const dropZone = h(
  "div",
  { class: "drop" },
  h("p", {}, "Drop a CSV file here, or choose one:"),
  field("Data file (CSV, header row first)", fileInput),
);
const dataSummary = h("p", { class: "lead" });
const target = h("select", { name: "target" });
const positive = h("select", { name: "positive" });
const sensitive = h("select", { name: "sensitive" });
const objectiveBoxes = OBJECTIVES.map(([name]) =>
  h("input", {
    type: "checkbox",
    name: "objectives",
    value: name,
    checked: ["accuracy", "epsilon", "dp"].includes(name),
  }),
);
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
const budget = h("input", { type: "number", name: "budget", min: "1", max: "1000", step: "1", value: "40" });
const seed = h("input", { type: "number", name: "seed", min: "0", step: "1", value: "0" });
const workers = h("input", {
  type: "number",
  name: "workers",
  min: "1",
  max: "16",
  step: "1",
  value: String(Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 4))),
});
const backend = h(
  "select",
  { name: "backend" },
  h("option", { value: "auto" }, "automatic: the faster of WebGPU and WebAssembly"),
  h("option", { value: "wasm" }, "WebAssembly"),
  h("option", { value: "webgpu" }, "WebGPU (even on a software adapter)"),
);
const studyName = h("input", {
  type: "text",
  name: "name",
  pattern: "[A-Za-z0-9][A-Za-z0-9_\\-]{0,63}",
  autocomplete: "off",
});
const start = h("button", { type: "submit", disabled: true }, "Run the study in this browser");
const settingsForm = h(
  "form",
  { class: "new-study", "aria-label": "the study's settings" },
  dataSummary,
  h(
    "fieldset",
    {},
    h("legend", {}, "Task"),
    field("Target column", target),
    field("Positive label", positive, "The target value that counts as the positive outcome."),
    field("Sensitive attribute", sensitive),
  ),
  h(
    "fieldset",
    {},
    h("legend", {}, "Objectives (two or three, all minimised)"),
    OBJECTIVES.map(([, label], k) => h("label", { class: "inline" }, objectiveBoxes[k], ` ${label}`)),
  ),
  h(
    "fieldset",
    {},
    h("legend", {}, "Search"),
    field(
      "Constraints",
      constraints,
      "Comma-separated bounds: epsilon, accuracy, dp, eo, eop with <= or >=.",
    ),
    field("Strategy", strategy),
    field("Budget (trials)", budget),
    field("Seed", seed),
    field(
      "Trial workers",
      workers,
      "Web Workers training trials at once (default: this computer's cores, at most 4).",
    ),
    field(
      "Tensor backend",
      backend,
      "Where the trial workers train. Automatic times both on a graphics card; WebGPU without one runs on the CPU, far slower.",
    ),
    field("Study name", studyName),
  ),
  start,
);

let csvText = "";
let fileName = "";
let columns: ColumnDescription[] = [];

async function takeFile(file: File): Promise<void> {
  status.textContent = `reading ${file.name}…`;
  try {
    csvText = await file.text();
    fileName = file.name;
    const table = readCsv(csvText, {
      source: file.name,
      delimiter: /\.tsv$/i.test(file.name) ? "\t" : undefined,
    });
    columns = describeColumns(table);
    const usable = groupableColumns(columns);
    if (usable.length < 2)
      throw new Error(
        `${file.name} has no two columns with 2–50 distinct values (a target and a sensitive attribute)`,
      );
    replace(
      dataSummary,
      `${file.name}: ${table.rows} rows, ${columns.length} columns. It stays in this browser.`,
    );
    replace(
      target,
      usable.map((c) => h("option", { value: c.name }, `${c.name} (${c.distinct} values)`)),
    );
    target.value = usable[usable.length - 1].name;
    fillTargetDependents();
    studyName.value =
      file.name
        .replace(/\.[^.]*$/, "")
        .replace(/[^A-Za-z0-9_-]/g, "-")
        .replace(/^[^A-Za-z0-9]+/, "")
        .slice(0, 40) || "study";
    start.disabled = !globalThis.isSecureContext;
    status.textContent = `${file.name} read: pick the target and the sensitive attribute, then run.`;
  } catch (error) {
    start.disabled = true;
    status.textContent = error instanceof Error ? error.message : String(error);
  }
}

function fillTargetDependents(): void {
  const chosen = columns.find((c) => c.name === target.value);
  replace(
    positive,
    (chosen?.examples ?? []).map((v) => h("option", { value: v }, v)),
  );
  if (chosen) positive.value = chosen.examples[chosen.examples.length - 1] ?? "";
  const usable = groupableColumns(columns).filter((c) => c.name !== target.value);
  replace(
    sensitive,
    usable.map((c) => h("option", { value: c.name }, `${c.name} (${c.distinct} groups)`)),
  );
}
target.addEventListener("change", fillTargetDependents);
fileInput.addEventListener("change", () => {
  const file = fileInput.files?.[0];
  if (file) void takeFile(file);
});
dropZone.addEventListener("dragover", (event) => {
  event.preventDefault();
  dropZone.classList.add("over");
});
dropZone.addEventListener("dragleave", () => dropZone.classList.remove("over"));
dropZone.addEventListener("drop", (event) => {
  event.preventDefault();
  dropZone.classList.remove("over");
  const file = event.dataTransfer?.files?.[0];
  if (file) void takeFile(file);
});

settingsForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const objectives = objectiveBoxes.filter((b) => b.checked).map((b) => b.value as ObjectiveName);
  if (objectives.length < 2 || objectives.length > 3) {
    status.textContent = "Choose two or three objectives.";
    return;
  }
  if (!studyName.checkValidity() || !studyName.value) {
    status.textContent = "Name the study with letters, digits, '-' and '_'.";
    return;
  }
  const request: LocalStudyRequest = {
    id: studyName.value,
    fileName,
    target: target.value,
    positive: positive.value || undefined,
    sensitive: sensitive.value,
    objectives,
    constraints: constraints.value
      .split(",")
      .map((c) => c.trim())
      .filter(Boolean),
    strategy: strategy.value as StrategyName,
    budget: Number(budget.value),
    seed: Number(seed.value),
    workers: Number(workers.value),
    backend: backend.value as BackendPreference,
  };
  if (await loadStudy(request.id)) {
    status.textContent = `a study called '${request.id}' is already kept in this browser: resume it below, or choose another name`;
    return;
  }
  const saved: SavedStudy = { id: request.id, request, csvText, updatedAt: Date.now() };
  await saveStudy(saved);
  await runStudy(saved);
});

// ---- running a study ------------------------------------------------------------------------

/**
 * Draws the study's views on its panel while the trials run, without taking their CPU:
 * the charts (Plotly, WebGL parallel coordinates) cost the page's thread and the GPU
 * process (a software rasteriser on machines without a GPU) far more than the table,
 * and the trial workers share the same cores. So only the newest view is drawn, and the
 * next draw waits at least 1.5 s and 8× the last draw's time: drawing takes at most ~1/9
 * of a core whatever the number of trials. The last view (the study is done) is drawn at once.
 */
class ViewPainter {
  private latest: StudyView | null = null;
  private drawing = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private nextAt = 0;
  private finished = false;

  constructor(private readonly target: StudyPanel) {}

  show(view: StudyView): void {
    this.latest = view;
    if (this.finished) this.now();
    else this.schedule();
  }

  /** The study is done: its last view is drawn now, and any later one at once. */
  finish(): void {
    this.finished = true;
    this.now();
  }

  private now(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.nextAt = 0;
    void this.draw();
  }

  private schedule(): void {
    if (this.drawing || this.timer !== null) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.draw();
      },
      Math.max(0, this.nextAt - performance.now()),
    );
  }

  private async draw(): Promise<void> {
    if (this.drawing || !this.latest || panel !== this.target) return;
    const view = this.latest;
    this.latest = null;
    this.drawing = true;
    const started = performance.now();
    try {
      await this.target.update(view, { live: !this.finished });
    } finally {
      const took = performance.now() - started;
      this.drawing = false;
      this.nextAt = this.finished ? 0 : performance.now() + Math.max(1500, 8 * took);
      if (this.latest) {
        if (this.finished) void this.draw();
        else this.schedule();
      }
    }
  }
}

const stop = h("button", { type: "button", class: "danger" }, "Stop");
const downloadReport = h("button", { type: "button" }, "Download the HTML report");
const downloadStudy = h("button", { type: "button", class: "secondary" }, "Download the study file (.db)");
const pendingDetail: ((detail: TrialDetail | null, error?: string) => void)[] = [];

function ask(message: StudyWorkerRequest): void {
  if (!worker) throw new Error("open a study first");
  worker.postMessage(message);
}

function download(name: string, blob: Blob): void {
  const link = h("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/** Ends the study's workers (every finished trial is saved; running ones are retried on resume). */
function stopWorkers(): void {
  worker?.terminate();
  worker = null;
  for (const trialWorker of trialWorkers) trialWorker.terminate();
  trialWorkers = [];
}

async function runStudy(saved: SavedStudy, budgetOverride?: number): Promise<void> {
  stopWorkers();
  current = saved;
  const request = { ...saved.request, ...(budgetOverride ? { budget: budgetOverride } : {}) };
  if (budgetOverride) await saveStudy({ ...saved, request });
  const studyPanel = new StudyPanel({
    trialHref: (n) => `#/trial/${n}`,
    compareHref: (ns) => `#/compare/${ns.join(",")}`,
    actions: [stop, downloadReport, downloadStudy],
  });
  panel = studyPanel;
  replace(studyArea, h("h2", {}, `Study ${request.id}`), studyPanel.element);
  stop.hidden = false;
  worker = new Worker(new URL("study-worker.js", location.href), { type: "module" });
  const started = performance.now();
  const painter = new ViewPainter(studyPanel);
  worker.onmessage = (event: MessageEvent<StudyWorkerReply>) => {
    const reply = event.data;
    if (reply.kind === "note") status.textContent = reply.text;
    else if (reply.kind === "view") {
      const finished = reply.view.counts.complete + reply.view.counts.failed;
      status.textContent = `${finished} of ${request.budget} trials finished`;
      painter.show(reply.view);
    } else if (reply.kind === "done") {
      stop.hidden = true;
      status.textContent = `the study is finished (${reply.seconds.toFixed(1)} s in this browser)`;
      document.body.dataset.studyDone = String(reply.seconds);
      painter.finish();
      void refreshSaved();
    } else if (reply.kind === "error") {
      status.textContent = reply.message;
      for (const resolve of pendingDetail.splice(0)) resolve(null, reply.message);
    } else if (reply.kind === "trial") {
      pendingDetail.shift()?.(reply.detail, reply.error);
    } else if (reply.kind === "report") {
      download(`${request.id}-report.html`, new Blob([reply.html], { type: "text/html" }));
    } else if (reply.kind === "bytes") {
      download(
        `${request.id}.db`,
        new Blob([new Uint8Array(reply.bytes)], { type: "application/vnd.sqlite3" }),
      );
    }
  };
  worker.onerror = (event) => {
    status.textContent = event.message || "the study's worker failed";
  };
  document.body.dataset.studyStarted = String(started);
  delete document.body.dataset.studyDone;
  // The page starts the trial workers and gives the study worker a channel to each.
  const base = new URL("./", location.href).href;
  const ports: MessagePort[] = [];
  trialWorkers = Array.from({ length: Math.max(1, request.workers) }, () => {
    const trialWorker = new Worker(new URL("trial-worker.js", base), { type: "module" });
    const channel = new MessageChannel();
    trialWorker.postMessage({ kind: "connect", port: channel.port1, wasmBase: base }, [channel.port1]);
    ports.push(channel.port2);
    return trialWorker;
  });
  const run: StudyWorkerRequest = {
    kind: "run",
    request,
    csvText: saved.csvText,
    stored: (await loadStudy(saved.id))?.bytes,
    trialPorts: ports,
  };
  worker.postMessage(run, ports);
  location.hash = "#/";
}

stop.addEventListener("click", () => {
  stopWorkers();
  stop.hidden = true;
  status.textContent = "stopped: resume the study from the list below";
  void refreshSaved();
});
downloadReport.addEventListener("click", () => ask({ kind: "report" }));
downloadStudy.addEventListener("click", () => ask({ kind: "bytes" }));

// ---- studies kept in this browser -----------------------------------------------------------

async function refreshSaved(): Promise<void> {
  const studies = (await listStudies()).sort((a, b) => b.updatedAt - a.updatedAt);
  if (studies.length === 0) {
    replace(savedArea, h("p", {}, "No study is kept in this browser yet."));
    return;
  }
  replace(
    savedArea,
    h(
      "table",
      {},
      h("caption", {}, "Studies kept in this browser"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["study", "data file", "trials", "updated", ""].map((c) => h("th", { scope: "col" }, c)),
        ),
      ),
      h(
        "tbody",
        {},
        studies.map((saved) => {
          const more = h("input", {
            type: "number",
            min: "1",
            max: "1000",
            value: String(Math.max(saved.request.budget, saved.counts?.total ?? 0)),
            "aria-label": `total trials for ${saved.id}`,
          });
          return h(
            "tr",
            {},
            h("th", { scope: "row" }, saved.id),
            h("td", {}, saved.request.fileName),
            h(
              "td",
              { class: "num" },
              `${(saved.counts?.complete ?? 0) + (saved.counts?.failed ?? 0)} / ${saved.request.budget}`,
            ),
            h("td", {}, new Date(saved.updatedAt).toLocaleString()),
            h(
              "td",
              { class: "buttons" },
              more,
              h(
                "button",
                { type: "button", onclick: () => void runStudy(saved, Number(more.value)) },
                `Open or resume ${saved.id}`,
              ),
              h(
                "button",
                {
                  type: "button",
                  class: "danger",
                  onclick: async () => {
                    if (current?.id === saved.id) stopWorkers();
                    await deleteStudy(saved.id);
                    await refreshSaved();
                  },
                },
                `Delete ${saved.id}`,
              ),
            ),
          );
        }),
      ),
    ),
  );
}

// ---- pages: the study, a trial, a comparison ------------------------------------------------

function trialDetailOf(number: number): Promise<TrialDetail> {
  return new Promise((resolve, reject) => {
    pendingDetail.push((detail, error) =>
      detail ? resolve(detail) : reject(new Error(error ?? "no such trial")),
    );
    ask({ kind: "trial", number });
  });
}

async function show(): Promise<void> {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  if (parts.length === 0 || !worker) {
    home.hidden = false;
    detailArea.hidden = true;
    return;
  }
  home.hidden = true;
  detailArea.hidden = false;
  const back = h("p", {}, h("a", { href: "#/" }, "← the study"));
  try {
    if (parts[0] === "trial") {
      replace(detailArea, back, trialPanel(await trialDetailOf(Number(parts[1]))));
    } else if (parts[0] === "compare") {
      const numbers = parts[1].split(",").map(Number).filter(Number.isInteger).slice(0, MAX_COMPARED);
      const details = [];
      for (const n of numbers) details.push(await trialDetailOf(n));
      replace(detailArea, back, comparePanel(details));
    }
    detailArea.querySelector<HTMLElement>("h1")?.setAttribute("tabindex", "-1");
    detailArea.querySelector<HTMLElement>("h1")?.focus();
  } catch (error) {
    replace(
      detailArea,
      back,
      h("p", { class: "error", role: "alert" }, error instanceof Error ? error.message : String(error)),
    );
  }
}

replace(
  home,
  h("h1", { tabindex: "-1" }, "The explorer, in this browser"),
  h(
    "p",
    { class: "lead" },
    "Your data never leaves this browser: the page has loaded its code and now works offline. The study runs here, in Web Workers on WebAssembly or WebGPU, and is kept in this browser's storage, so a reload resumes it.",
  ),
  status,
  h("section", { "aria-label": "your data" }, h("h2", {}, "Your data"), dropZone, settingsForm),
  h("section", { "aria-label": "saved studies" }, h("h2", {}, "Studies kept in this browser"), savedArea),
  studyArea,
);
replace(main, home, detailArea);
window.addEventListener("hashchange", () => void show());
void refreshSaved();
if (!globalThis.isSecureContext || !globalThis.crypto?.subtle) {
  // Web Crypto (secure noise, data fingerprints) exists only on secure pages.
  start.disabled = true;
  fileInput.disabled = true;
  status.textContent =
    "This page must be opened over https:// or from localhost: the browser offers Web Crypto, which the explorer needs for its noise and fingerprints, only to secure pages.";
}
