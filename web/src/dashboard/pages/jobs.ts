/** Jobs: the list, and one job followed live until it ends (its result or its error). */
import { h, liveRegion, replace } from "../../common/dom.js";
import { api, type JobDoc, listen } from "../api.js";
import { jobResultView } from "../insights.js";
import { jobsTable } from "./studies.js";

export async function jobsPage(main: HTMLElement): Promise<() => void> {
  document.title = "Jobs · Equipoise";
  const area = h("div", { class: "table-wrap" });
  replace(main, h("h1", { tabindex: "-1" }, "Jobs"), area);
  const jobs = new Map((await api.jobs()).jobs.map((j) => [j.id, j]));
  const render = () => replace(area, jobsTable([...jobs.values()].sort((a, b) => b.createdAt - a.createdAt)));
  render();
  main.querySelector<HTMLElement>("h1")?.focus();
  return listen("/api/events", {
    job: (job) => {
      jobs.set(job.id, job);
      render();
    },
  });
}

export async function jobPage(main: HTMLElement, id: string): Promise<() => void> {
  document.title = `Job ${id} · Equipoise`;
  const status = liveRegion();
  const body = h("div");
  const stop = h("button", { type: "button", class: "danger" }, "Stop the job");
  stop.addEventListener("click", async () => {
    try {
      await api.stopJob(id);
    } catch (error) {
      status.textContent = error instanceof Error ? error.message : String(error);
    }
  });
  replace(main, h("h1", { tabindex: "-1" }, "Job"), body, stop, status);
  const render = (job: JobDoc) => {
    stop.hidden = job.state !== "running" && job.state !== "queued";
    replace(
      body,
      h("p", { class: "lead" }, job.title),
      h(
        "dl",
        {},
        h("dt", {}, "state"),
        h("dd", {}, job.state),
        h("dt", {}, "progress"),
        h(
          "dd",
          {},
          job.progress.total
            ? h("progress", {
                max: String(job.progress.total),
                value: String(job.progress.done ?? 0),
                "aria-label": "job progress",
              })
            : null,
          ` ${job.progress.message}`,
        ),
        job.studyId
          ? [
              h("dt", {}, "study"),
              h("dd", {}, h("a", { href: `#/studies/${encodeURIComponent(job.studyId)}` }, job.studyId)),
            ]
          : null,
        job.error ? [h("dt", {}, "error"), h("dd", { class: "error" }, job.error)] : null,
      ),
      jobResultView(job),
      job.result
        ? h(
            "details",
            { open: jobResultView(job) === null },
            h("summary", {}, "Result"),
            h("pre", {}, JSON.stringify(job.result, null, 2)),
          )
        : null,
    );
  };
  render(await api.job(id));
  main.querySelector<HTMLElement>("h1")?.focus();
  return listen(`/api/jobs/${encodeURIComponent(id)}/events`, { job: render });
}
