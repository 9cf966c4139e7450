/** The list of studies, with live progress (server-sent events), and the recent jobs. */
import type { StudyListItem } from "../../../../src/server/documents.js";
import { h, liveRegion, replace } from "../../common/dom.js";
import { formatRate } from "../../common/format.js";
import { api, type JobDoc, listen } from "../api.js";

export async function studiesPage(main: HTMLElement): Promise<() => void> {
  document.title = "Studies · Equipoise";
  const tableArea = h("div", { class: "table-wrap" }, "Loading…");
  const jobsArea = h("div", { class: "table-wrap" });
  const status = liveRegion();
  replace(
    main,
    h("h1", { tabindex: "-1" }, "Studies"),
    h(
      "p",
      { class: "lead" },
      "Every study this server shows. Progress updates live, also for studies run by 'equipoise explore' in another terminal. ",
      h("a", { href: "#/new" }, "Start a new study"),
      ".",
    ),
    status,
    tableArea,
    h("h2", {}, "Recent jobs"),
    jobsArea,
  );
  const studies = new Map<string, StudyListItem>();
  const jobs = new Map<string, JobDoc>();
  const render = () => {
    replace(tableArea, studiesTable([...studies.values()]));
    replace(jobsArea, jobsTable([...jobs.values()].sort((a, b) => b.createdAt - a.createdAt).slice(0, 10)));
  };
  const [list, jobList] = await Promise.all([api.studies(), api.jobs()]);
  for (const study of list.studies) studies.set(study.id, study);
  for (const job of jobList.jobs) jobs.set(job.id, job);
  render();
  const close = listen("/api/events", {
    progress: (progress) => {
      const known = studies.get(progress.id);
      if (!known) {
        void api.studies().then((fresh) => {
          for (const study of fresh.studies) studies.set(study.id, study);
          render();
        });
        return;
      }
      const finishedBefore = known.counts ? known.counts.complete + known.counts.failed : 0;
      studies.set(progress.id, {
        ...known,
        counts: progress.counts,
        hypervolume: progress.hypervolume,
        activity: { workers: progress.workers, job: progress.job },
        error: progress.error,
      });
      const finished = progress.counts ? progress.counts.complete + progress.counts.failed : 0;
      if (finished !== finishedBefore) status.textContent = `${known.name}: ${finished} trials finished`;
      render();
    },
    job: (job) => {
      jobs.set(job.id, job);
      render();
    },
  });
  return close;
}

function studiesTable(studies: StudyListItem[]): HTMLElement {
  if (studies.length === 0) {
    return h(
      "p",
      {},
      "No study yet. Start one from the page, or run 'equipoise serve --study FILE.db' with a study file.",
    );
  }
  return h(
    "table",
    {},
    h("caption", {}, `${studies.length} studies`),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["study", "data set", "objectives", "progress", "hypervolume (validation)", "now"].map((c) =>
          h("th", { scope: "col" }, c),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      studies.map((study) => {
        const counts = study.counts;
        const finished = counts ? counts.complete + counts.failed : 0;
        const total = Math.max(study.budget ?? 0, counts?.total ?? 0, 1);
        return h(
          "tr",
          {},
          h(
            "th",
            { scope: "row" },
            h("a", { href: `#/studies/${encodeURIComponent(study.id)}` }, study.name),
            h("br"),
            h("small", {}, study.file),
          ),
          h("td", {}, study.dataset ?? "–"),
          h("td", {}, study.objectives.join(", ") || "–"),
          h(
            "td",
            {},
            study.error
              ? h("span", { class: "error" }, study.error)
              : h(
                  "span",
                  {},
                  h("progress", {
                    max: String(total),
                    value: String(finished),
                    "aria-label": `${study.name}: finished trials`,
                  }),
                  ` ${finished}/${study.budget ?? counts?.total ?? 0}`,
                  counts && counts.failed > 0 ? ` (${counts.failed} failed)` : "",
                ),
          ),
          h("td", { class: "num" }, formatRate(study.hypervolume, 4)),
          h(
            "td",
            {},
            study.activity.job
              ? h(
                  "a",
                  { href: `#/jobs/${encodeURIComponent(study.activity.job.id)}` },
                  `job ${study.activity.job.state}`,
                )
              : study.activity.workers > 0
                ? `${study.activity.workers} worker(s) elsewhere`
                : "idle",
          ),
        );
      }),
    ),
  );
}

export function jobsTable(jobs: JobDoc[]): HTMLElement {
  if (jobs.length === 0) return h("p", {}, "No job has run yet.");
  return h(
    "table",
    {},
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["job", "state", "progress", "message"].map((c) => h("th", { scope: "col" }, c)),
      ),
    ),
    h(
      "tbody",
      {},
      jobs.map((job) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, h("a", { href: `#/jobs/${encodeURIComponent(job.id)}` }, job.title)),
          h("td", {}, job.state),
          h(
            "td",
            {},
            job.progress.total
              ? h("progress", {
                  max: String(job.progress.total),
                  value: String(job.progress.done ?? 0),
                  "aria-label": `${job.title}: progress`,
                })
              : "–",
          ),
          h("td", {}, job.error ?? job.progress.message),
        ),
      ),
    ),
  );
}
