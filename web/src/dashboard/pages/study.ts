/** A study (live), one of its trials, and trials side by side. */

import type { DatasetDoc, StudyView, TrialDetail } from "../../../../src/server/documents.js";
import { comparePanel } from "../../common/compare-panel.js";
import { field, h, liveRegion, replace } from "../../common/dom.js";
import { MAX_COMPARED, StudyPanel } from "../../common/study-panel.js";
import { trialPanel } from "../../common/trial-panel.js";
import { ApiError, api, listen } from "../api.js";
import { jobArea, modelInsights } from "../insights.js";
import { trialModelName, trialModelPlan } from "../trial-model.js";

const studyHref = (id: string) => `#/studies/${encodeURIComponent(id)}`;

/** What tells one state of a study's progress from another (counts, its job, its workers). */
const progressKey = (counts: unknown, job: unknown, workers: number) =>
  JSON.stringify([counts, job, workers]);

export async function studyPage(main: HTMLElement, id: string): Promise<() => void> {
  document.title = `${id} · Equipoise`;
  const status = liveRegion();
  const budget = h("input", {
    type: "number",
    min: "1",
    max: "10000",
    step: "1",
    name: "budget",
    required: true,
  });
  const resumeForm = h(
    "form",
    { class: "inline-form" },
    field("Run up to this many trials in total", budget),
    h("button", { type: "submit" }, "Resume"),
  );
  const stop = h("button", { type: "button", class: "danger", hidden: true }, "Stop the study");
  const report = h(
    "a",
    { href: api.reportUrl(id), class: "button", download: `${id}-report.html` },
    "Download the HTML report",
  );
  const panel = new StudyPanel({
    trialHref: (n) => `${studyHref(id)}/trials/${n}`,
    compareHref: (ns) => `${studyHref(id)}/compare/${ns.join(",")}`,
    actions: [report, stop, resumeForm, status],
  });
  replace(main, panel.element);
  resumeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const job = await api.resumeStudy(id, Number(budget.value));
      status.textContent = `resuming: job ${job.state}`;
    } catch (error) {
      status.textContent = error instanceof Error ? error.message : String(error);
    }
  });
  stop.addEventListener("click", async () => {
    stop.disabled = true;
    status.textContent = "stopping…";
    try {
      const job = await api.stopStudy(id);
      status.textContent = `job ${job.state}`;
    } catch (error) {
      status.textContent = error instanceof Error ? error.message : String(error);
    } finally {
      stop.disabled = false;
    }
  });

  const STARTING = "The study is starting: its file does not exist yet.";
  // What the last drawn view showed: the events stream opens with the study's current
  // progress, and redrawing a 1,000-trial study for it cost seconds of Plotly work.
  let last = "";
  let seen = false;
  let loading = false;
  let again = false;
  const load = async () => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      // A study a job has just started has no file until its reference model is
      // trained: the list says so without a 404 (which browsers log as an error).
      if (!seen) {
        const item = (await api.studies()).studies.find((s) => s.id === id);
        if (item && item.counts === null && item.activity.job) {
          status.textContent = STARTING;
          return;
        }
      }
      const view = await api.study(id);
      seen = true;
      if (status.textContent === STARTING) status.textContent = "";
      stop.hidden = view.activity.job === null;
      report.hidden = view.kind !== "explorer";
      if (!budget.value || Number(budget.value) <= view.counts.total)
        budget.value = String(view.counts.total + 10);
      last = progressKey(view.counts, view.activity.job, view.activity.workers);
      await panel.update(view);
      main.querySelector<HTMLElement>("h1")?.setAttribute("tabindex", "-1");
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) status.textContent = STARTING;
      else status.textContent = error instanceof Error ? error.message : String(error);
    } finally {
      loading = false;
      if (again) {
        again = false;
        void load();
      }
    }
  };
  await load();
  main.querySelector<HTMLElement>("h1")?.focus();
  return listen(`/api/studies/${encodeURIComponent(id)}/events`, {
    progress: (progress) => {
      const key = progressKey(progress.counts, progress.job, progress.workers);
      if (key !== last) {
        last = key;
        void load();
      }
    },
  });
}

const TRIAL_INSIGHTS_INTRO =
  "The explorer keeps each trial's metrics, not its trained weights. Audit or explain a model saved on this server — train one with this trial's recipe above to look at this recipe.";

export async function trialPage(main: HTMLElement, id: string, number: number): Promise<() => void> {
  document.title = `Trial ${number} of ${id} · Equipoise`;
  const [detail, view, { models }, { datasets }] = await Promise.all([
    api.trial(id, number),
    api.study(id),
    api.models(),
    api.datasets(),
  ]);
  // The explorer keeps each trial's metrics, not its weights: the audit and the
  // explanations run on a model saved on this server, trained with the recipe above.
  let insights = modelInsights(models, { intro: TRIAL_INSIGHTS_INTRO });
  const insightsHolder = h("div", { class: "insights-holder" }, insights.element);
  /** Lists the server's models again, with `chosen` selected. */
  const refreshInsights = async (chosen: string) => {
    const { models: now } = await api.models();
    insights.close();
    insights = modelInsights(now, { intro: TRIAL_INSIGHTS_INTRO, chosen });
    replace(insightsHolder, insights.element);
  };
  const retrain = trialModelSection(view, detail, datasets, models, refreshInsights);
  replace(
    main,
    trialPanel(detail, {
      reference: view.reference,
      actions: [h("a", { href: studyHref(id) }, `← study ${view.name}`)],
      sections: [retrain.element, insightsHolder],
    }),
  );
  main.querySelector<HTMLElement>("h1")?.setAttribute("tabindex", "-1");
  main.querySelector<HTMLElement>("h1")?.focus();
  return () => {
    retrain.close();
    insights.close();
  };
}

/**
 * "Train a model with this trial's recipe": the trial's recipe as `equipoise train`
 * flags (trial-model.ts), sent to POST /api/models and followed as a job; when the
 * model is saved, `onTrained` lists it in the audit and explanation section. Disabled,
 * with the reason, when the recipe or the data cannot be given to `train`.
 */
function trialModelSection(
  view: StudyView,
  detail: TrialDetail,
  datasets: DatasetDoc[],
  models: { id: string }[],
  onTrained: (name: string) => Promise<void>,
): { element: HTMLElement; close(): void } {
  const taken = models.map((m) => m.id);
  const name = h("input", {
    type: "text",
    name: "model-name",
    autocomplete: "off",
    required: true,
    maxlength: 64,
    value: trialModelName(view.name, detail.number, taken),
  });
  const plan = trialModelPlan(view, detail, datasets, name.value);
  const submit = h("button", { type: "submit" }, "Train a model with this trial's recipe");
  const status = liveRegion();
  let trainedName = "";
  const job = jobArea("training", (finished) => {
    if (finished.state !== "succeeded") return;
    status.textContent = `Model ${trainedName} is saved; it is chosen below for the audit and the explanations.`;
    // Another model of the recipe (its DP noise is fresh) needs another name.
    taken.push(trainedName);
    name.value = trialModelName(view.name, detail.number, taken);
    void onTrained(trainedName).catch((error) => {
      status.textContent = error instanceof Error ? error.message : String(error);
    });
  });
  const form = h(
    "form",
    { class: "inline-form", "aria-label": "train a model with this trial's recipe" },
    field("Model name", name, "letters, digits, '-' and '_' (at most 64); saved as NAME.json on this server"),
    h("div", { class: "buttons" }, submit),
  );
  const section = h(
    "section",
    { class: "trial-model", "aria-labelledby": "trial-model-heading" },
    h("h2", { id: "trial-model-heading" }, "Train a model with this trial's recipe"),
    h(
      "p",
      { class: "hint" },
      "The explorer kept this trial's metrics, not its weights. This retrains the trial's recipe with 'equipoise train' on the whole training split — the trial itself trained on the training split minus the explorer's validation part, and with DP and a fairness penalty, train holds out a share of it as the penalty's reference set — so the model's weights, and any audit or explanation of them, are of this recipe, not of the trial's own weights.",
    ),
  );
  if (plan.ok) {
    const command = [
      "equipoise train",
      `--data ${plan.body.dataset}`,
      `--sensitive ${plan.body.sensitive.join(",")}`,
      ...Object.entries(plan.body.recipe).map(([flag, value]) =>
        value === true ? `--${flag}` : `--${flag} ${value}`,
      ),
    ].join(" ");
    section.append(
      h("p", {}, "The same as ", h("code", { class: "command" }, command), "."),
      h(
        "ul",
        { class: "hint", "aria-label": "what the model does not share with the trial" },
        plan.differences.map((d) => h("li", {}, `It differs from the trial: ${d}.`)),
      ),
    );
  } else {
    const reasonId = "trial-model-reason";
    section.append(h("p", { id: reasonId, class: "hint reason" }, `Not available: ${plan.reason}.`));
    submit.disabled = true;
    name.disabled = true;
    submit.setAttribute("aria-describedby", reasonId);
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!plan.ok) return;
    trainedName = name.value.trim();
    status.textContent = "";
    submit.disabled = true;
    try {
      job.follow(await api.trainModel({ ...plan.body, name: trainedName }));
    } catch (error) {
      job.fail(error instanceof Error ? error.message : String(error));
    } finally {
      submit.disabled = false;
    }
  });
  section.append(form, job.element, status);
  return { element: section, close: () => job.close() };
}

export async function comparePage(main: HTMLElement, id: string, numbers: number[]): Promise<() => void> {
  document.title = `Compare trials of ${id} · Equipoise`;
  const chosen = [...new Set(numbers)].slice(0, MAX_COMPARED);
  const details = await Promise.all(chosen.map((n) => api.trial(id, n)));
  replace(main, h("p", {}, h("a", { href: studyHref(id) }, `← study ${id}`)), comparePanel(details));
  main.querySelector<HTMLElement>("h1")?.setAttribute("tabindex", "-1");
  main.querySelector<HTMLElement>("h1")?.focus();
  return () => {};
}
