/** A study (live), one of its trials, and trials side by side. */
import { comparePanel } from "../../common/compare-panel.js";
import { field, h, liveRegion, replace } from "../../common/dom.js";
import { MAX_COMPARED, StudyPanel } from "../../common/study-panel.js";
import { trialPanel } from "../../common/trial-panel.js";
import { ApiError, api, listen } from "../api.js";
import { modelInsights } from "../insights.js";

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

export async function trialPage(main: HTMLElement, id: string, number: number): Promise<() => void> {
  document.title = `Trial ${number} of ${id} · Equipoise`;
  const [detail, view, { models }] = await Promise.all([api.trial(id, number), api.study(id), api.models()]);
  // The explorer keeps each trial's metrics, not its weights: the audit and the
  // explanations run on a model saved on this server, trained with the recipe above.
  const insights = modelInsights(models, {
    intro:
      "The explorer keeps each trial's metrics, not its trained weights. Audit or explain a model saved on this server — train one with this trial's recipe (POST /api/models) to look at this trial.",
  });
  replace(
    main,
    trialPanel(detail, {
      reference: view.reference,
      actions: [h("a", { href: studyHref(id) }, `← study ${view.name}`)],
      sections: [insights.element],
    }),
  );
  main.querySelector<HTMLElement>("h1")?.setAttribute("tabindex", "-1");
  main.querySelector<HTMLElement>("h1")?.focus();
  return () => insights.close();
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
