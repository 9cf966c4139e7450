/**
 * Audits and explanations of a saved model: started as jobs from the page, followed
 * live over the job's event stream, and shown with the capabilities' own HTML
 * fragments (src/audit/html.ts: ROC on log–log axes, per-group vulnerability with
 * intervals, audited against accounted ε; src/explain/report/html.ts: the training
 * rows behind a prediction or behind the gap, with their feature values) — the very
 * figures `equipoise report --document` prints, so the page and the file agree.
 */
import { type AuditDocument, auditDocumentSchema } from "../../../src/audit/document.js";
import { renderAuditFragment } from "../../../src/audit/html.js";
import { renderExplanationFragment } from "../../../src/explain/report/html.js";
import { type ExplanationDocument, explanationSchema } from "../../../src/explain/report/schema.js";
import { field, h, liveRegion, replace } from "../common/dom.js";
import { api, type JobDoc, listen, type ModelDoc } from "./api.js";

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

/**
 * The fragments escape every value they print (their own tests check it with hostile
 * group and data set names), so their markup is parsed as the report file parses it;
 * nothing else this dashboard shows goes through innerHTML.
 */
function fragmentElement(html: string): HTMLElement {
  const wrapper = h("div", { class: "fragment" });
  wrapper.innerHTML = html;
  return wrapper;
}

/** A finished audit or explanation job's result as its figure; null for other kinds or unfinished jobs. */
export function jobResultView(job: JobDoc): HTMLElement | null {
  if (job.state !== "succeeded" || job.result === null) return null;
  if (job.kind === "audit") {
    const parsed = auditDocumentSchema.safeParse(job.result);
    return parsed.success
      ? fragmentElement(renderAuditFragment(parsed.data as AuditDocument))
      : schemaError("audit", parsed.error.issues[0]);
  }
  if (job.kind === "explain") {
    const parsed = explanationSchema.safeParse(job.result);
    return parsed.success
      ? fragmentElement(renderExplanationFragment(parsed.data as ExplanationDocument))
      : schemaError("explanation", parsed.error.issues[0]);
  }
  return null;
}

function schemaError(what: string, issue: { path: PropertyKey[]; message: string } | undefined): HTMLElement {
  const where = issue?.path.length ? ` at ${issue.path.map(String).join(".")}` : "";
  return h(
    "p",
    { class: "error", role: "alert" },
    `The ${what} result does not match its document schema: ${issue?.message ?? "unknown"}${where}`,
  );
}

export interface JobArea {
  element: HTMLElement;
  follow(job: JobDoc): void;
  fail(message: string): void;
  close(): void;
}

/**
 * A status line, a progress bar and the result of one job at a time; `onFinished`
 * hears each followed job once, when it ends.
 */
export function jobArea(label: string, onFinished?: (job: JobDoc) => void): JobArea {
  const status = liveRegion();
  const bar = h("progress", { "aria-label": `${label} progress`, hidden: true });
  const result = h("div", { class: "job-result" });
  let stop: () => void = () => {};
  let reported: string | null = null;
  const show = (job: JobDoc) => {
    status.classList.toggle("error", job.state === "failed");
    const message =
      job.progress.message && job.progress.message !== job.state ? ` — ${job.progress.message}` : "";
    status.textContent = `${job.title}: ${job.state}${message}${job.error ? ` — ${job.error}` : ""}`;
    bar.hidden = FINISHED.has(job.state);
    if (job.progress.total) {
      bar.max = job.progress.total;
      bar.value = job.progress.done ?? 0;
    } else bar.removeAttribute("value");
    if (FINISHED.has(job.state)) {
      stop();
      stop = () => {};
      replace(
        result,
        jobResultView(job),
        h("p", {}, h("a", { href: `#/jobs/${encodeURIComponent(job.id)}` }, `The job's page (${job.id})`)),
      );
      if (reported !== job.id) {
        reported = job.id;
        onFinished?.(job);
      }
    }
  };
  return {
    element: h("div", { class: "job-area" }, status, bar, result),
    follow(job) {
      stop();
      replace(result);
      show(job);
      if (!FINISHED.has(job.state))
        stop = listen(`/api/jobs/${encodeURIComponent(job.id)}/events`, { job: show });
    },
    fail(message) {
      status.classList.add("error");
      status.textContent = message;
    },
    close: () => stop(),
  };
}

function numberInput(attributes: Record<string, string | number>): HTMLInputElement {
  return h("input", { type: "number", inputmode: "numeric", step: 1, ...attributes });
}

/** The value of an optional whole-number field, or undefined when empty. */
function optionalNumber(input: HTMLInputElement): number | undefined {
  return input.value.trim() === "" ? undefined : Number(input.value);
}

export interface ModelInsights {
  element: HTMLElement;
  close(): void;
}

/**
 * The audit and explanation controls for the server's saved models. `intro` says how
 * the models relate to the page that shows them.
 */
export function modelInsights(
  models: ModelDoc[],
  options: { chosen?: string; intro?: string; headingLevel?: "h2" | "h3" } = {},
): ModelInsights {
  const heading = h(
    options.headingLevel ?? "h2",
    { id: "insights-heading" },
    "Privacy audit and explanations",
  );
  const section = h("section", { class: "insights", "aria-labelledby": "insights-heading" }, heading);
  if (options.intro) section.append(h("p", { class: "hint" }, options.intro));
  if (models.length === 0) {
    section.append(
      h(
        "p",
        {},
        "No model is saved on this server yet: train one (POST /api/models, with the recipe flags of 'equipoise train'), then audit or explain it here.",
      ),
    );
    return { element: section, close: () => {} };
  }
  const modelSelect = h(
    "select",
    { name: "model" },
    models.map((m) => h("option", { value: m.id, selected: m.id === options.chosen }, m.id)),
  );

  const attacks = h(
    "select",
    { name: "attacks" },
    h("option", { value: "" }, "every attack (audit's default; trains shadow models)"),
    h("option", { value: "loss" }, "the loss attack only (fast)"),
    h("option", { value: "loss,attribute" }, "loss and attribute inference"),
  );
  const shadows = numberInput({ name: "shadows", min: 0, max: 64, placeholder: "audit's default" });
  const audit = jobArea("audit");
  const auditForm = h(
    "form",
    { class: "inline-form", "aria-label": "privacy audit" },
    field("Attacks", attacks),
    field(
      "Shadow models",
      shadows,
      "0–64 (0 with the loss attack alone); more shadows, stronger attack, longer job",
    ),
    h("div", { class: "buttons" }, h("button", { type: "submit" }, "Start the audit")),
  );
  auditForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const job = await api.auditModel(modelSelect.value, {
        ...(attacks.value ? { attacks: attacks.value.split(",") } : {}),
        ...(optionalNumber(shadows) !== undefined ? { shadows: optionalNumber(shadows) } : {}),
      });
      audit.follow(job);
    } catch (error) {
      audit.fail(error instanceof Error ? error.message : String(error));
    }
  });

  const question = h(
    "select",
    { name: "question" },
    h("option", { value: "example" }, "one test prediction: the training rows behind it"),
    h("option", { value: "fairness" }, "the fairness gap: the training rows and groups behind it"),
  );
  const row = numberInput({ name: "row", min: 0, value: 0 });
  const sensitive = h("input", {
    type: "text",
    name: "sensitive",
    autocomplete: "off",
    placeholder: "e.g. sex",
  });
  const constraint = h(
    "select",
    { name: "constraint" },
    h("option", { value: "dp" }, "demographic parity"),
    h("option", { value: "eo" }, "equalized odds"),
    h("option", { value: "eop" }, "equal opportunity"),
  );
  const top = numberInput({ name: "top", min: 1, max: 50, value: 5 });
  const refit = h("input", { type: "checkbox", name: "refit" });
  const rowField = field("Test row", row, "0-based position in the test split, as Equipoise loads it");
  const sensitiveField = field("Sensitive attribute", sensitive);
  const constraintField = field("Gap", constraint);
  const showQuestionFields = () => {
    const example = question.value === "example";
    rowField.hidden = !example;
    sensitiveField.hidden = example;
    constraintField.hidden = example;
  };
  question.addEventListener("change", showQuestionFields);
  showQuestionFields();
  const explanation = jobArea("explanation");
  const explainForm = h(
    "form",
    { class: "inline-form", "aria-label": "explanation" },
    field("Explain", question),
    rowField,
    sensitiveField,
    constraintField,
    field("Rows listed", top),
    h(
      "label",
      { class: "inline" },
      refit,
      " Refit to a stationary point first (influence functions assume one; DP-SGD models rarely are)",
    ),
    h("div", { class: "buttons" }, h("button", { type: "submit" }, "Start the explanation")),
  );
  explainForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const listed = optionalNumber(top);
    const body =
      question.value === "example"
        ? {
            question: {
              kind: "example",
              row: optionalNumber(row) ?? 0,
              ...(listed ? { top: listed } : {}),
              ...(refit.checked ? { refit: true } : {}),
            },
          }
        : {
            question: {
              kind: "fairness",
              sensitive: sensitive.value.trim(),
              constraint: constraint.value,
              ...(listed ? { top: listed } : {}),
              ...(refit.checked ? { refit: true } : {}),
            },
          };
    try {
      explanation.follow(await api.explainModel(modelSelect.value, body));
    } catch (error) {
      explanation.fail(error instanceof Error ? error.message : String(error));
    }
  });

  section.append(
    field("Model", modelSelect),
    h("h3", {}, "Privacy audit"),
    h(
      "p",
      { class: "hint" },
      "Membership inference against the model: ROC on log–log axes, who is exposed by group, and the audited lower bound on ε beside the accountant's.",
    ),
    auditForm,
    audit.element,
    h("h3", {}, "Explanations"),
    h(
      "p",
      { class: "hint" },
      "Explanations read the training rows directly: they are not covered by the model's ε and must not be released.",
    ),
    explainForm,
    explanation.element,
  );
  return {
    element: section,
    close: () => {
      audit.close();
      explanation.close();
    },
  };
}
