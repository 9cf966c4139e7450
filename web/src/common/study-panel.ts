/**
 * A study, as the study page shows it: facts, the filter, the charts (3-D front,
 * projections, hypervolume, parallel coordinates), the trial picked, and the table
 * of trials (the same data as the charts, readable and reachable from the
 * keyboard). Used by the server's dashboard and by the in-browser explorer; the
 * host page adds its own actions (resume, stop, download).
 */
import type { StudyView, TrialRow } from "../../../src/server/documents.js";
import { field, h, liveRegion, replace } from "./dom.js";
import { filteredFront, parseFilter, passesFilter, type TrialFilter } from "./filters.js";
import { formatEpsilon, formatParam, formatRate, formatSeconds } from "./format.js";
import { Front3d } from "./front-3d.js";
import { TRIAL_STYLE } from "./palette.js";
import { webGlSupport } from "./plotly.js";
import {
  type ChartState,
  describeTrial,
  drawFront3d,
  drawHypervolume,
  drawParallelCoordinates,
  drawProjections,
  styleOf,
} from "./study-charts.js";

export const MAX_COMPARED = 4;

export interface StudyPanelOptions {
  /** Where a trial's own page is (a link), or null when there is none. */
  trialHref(number: number): string | null;
  /** Where the comparison of these trials is. */
  compareHref(numbers: number[]): string;
  /** Extra controls for the heading (resume, stop, download). */
  actions?: HTMLElement[];
}

/**
 * While a study runs in this browser, the parallel coordinates (Plotly's WebGL trace) are
 * redrawn at most this often, and at most 1/20 of the time; where WebGL is a software
 * rasteriser they wait for the end of the run: there, the first draw alone took the
 * page's thread 5.8 s (of a 26 s study on 2 cores) and the rasteriser more, all of it
 * taken from the trial workers. The final view, filters and picks redraw it at once.
 */
export const LIVE_PARCOORDS_MS = 10_000;

export class StudyPanel {
  readonly element: HTMLElement;
  private view: StudyView | null = null;
  private filter: TrialFilter = { constraints: [] };
  private readonly selected = new Set<number>();
  private readonly compared = new Set<number>();
  private onlyFront = false;
  private readonly parts: Record<string, HTMLElement>;
  private drawing: Promise<void> = Promise.resolve();
  /** Parallel coordinates are WebGL in Plotly; the 3-D front is Canvas 2D and needs none. */
  private readonly webGlKind = webGlSupport();
  private readonly webGl = this.webGlKind !== "none";
  private readonly softwareGl = this.webGlKind === "software";
  private readonly front: Front3d;
  /** While trials run, when the parallel coordinates may next be redrawn (see {@link LIVE_PARCOORDS_MS}). */
  private parcoordsNextAt = 0;

  constructor(private readonly options: StudyPanelOptions) {
    const filterInput = h("input", {
      type: "text",
      name: "filter",
      placeholder: "e.g. ε ≤ 3 and DP gap ≤ 0.05",
      autocomplete: "off",
      spellcheck: "false",
    });
    const filterStatus = liveRegion();
    const filterForm = h(
      "form",
      { class: "filter", role: "search", "aria-label": "filter the trials" },
      field(
        "Filter by validation metrics",
        filterInput,
        "Bounds on accuracy, ε, DP gap, EO gap or EOP gap, joined by 'and' or commas. The front is recomputed on the trials that pass.",
      ),
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "submit" }, "Apply filter"),
        h("button", { type: "reset" }, "Clear"),
      ),
      filterStatus,
    );
    filterForm.addEventListener("submit", (event) => {
      event.preventDefault();
      try {
        this.filter = parseFilter(filterInput.value);
        filterInput.removeAttribute("aria-invalid");
      } catch (error) {
        filterInput.setAttribute("aria-invalid", "true");
        filterStatus.textContent = error instanceof Error ? error.message : String(error);
        return;
      }
      this.redraw();
    });
    filterForm.addEventListener("reset", () => {
      this.filter = { constraints: [] };
      filterInput.removeAttribute("aria-invalid");
      queueMicrotask(() => this.redraw());
    });
    const onlyFront = h("input", { type: "checkbox", name: "only-front" });
    onlyFront.addEventListener("change", () => {
      this.onlyFront = onlyFront.checked;
      this.renderTable();
    });
    this.parts = {
      heading: h("div", { class: "study-heading" }),
      facts: h("div", { class: "facts" }),
      filterStatus,
      front: h("div", { class: "chart chart-3d" }),
      projection0: h("div", { class: "chart", role: "img", "aria-label": "accuracy against ε" }),
      projection1: h("div", {
        class: "chart",
        role: "img",
        "aria-label": "accuracy against the fairness gap",
      }),
      projection2: h("div", { class: "chart", role: "img", "aria-label": "fairness gap against ε" }),
      hypervolume: h("div", { class: "chart", role: "img", "aria-label": "hypervolume against trials" }),
      parcoordsWait: h(
        "p",
        { class: "hint chart-wide", hidden: true },
        "The parallel coordinates are drawn when the run ends: this browser draws WebGL in software, which would take CPU from the trials.",
      ),
      parcoords: h("div", {
        class: "chart chart-wide",
        role: "img",
        "aria-label": "parallel coordinates of parameters and metrics",
      }),
      pick: h("section", { class: "pick", "aria-label": "the trial you picked" }),
      table: h("div", { class: "table-wrap" }),
      compare: h("div", { class: "compare-bar" }),
      notes: h("div", { class: "notes" }),
    };
    this.front = new Front3d("Pareto front (validation), drag to rotate", (number) => this.pick(number));
    this.parts.front.append(this.front.element);
    this.element = h(
      "div",
      { class: "study-panel" },
      this.parts.heading,
      this.parts.facts,
      filterForm,
      h(
        "section",
        { class: "charts", "aria-label": "charts" },
        this.parts.front,
        this.parts.projection0,
        this.parts.projection1,
        this.parts.projection2,
        this.parts.hypervolume,
        this.webGl ? this.parts.parcoordsWait : null,
        this.webGl ? this.parts.parcoords : null,
      ),
      this.parts.pick,
      h(
        "section",
        { "aria-label": "trials" },
        h("h2", {}, "Trials"),
        h("label", { class: "inline" }, onlyFront, " only trials on the front"),
        this.parts.compare,
        this.parts.table,
      ),
      this.parts.notes,
    );
  }

  /**
   * Shows (or refreshes) the study; the filter, the picked trial and the comparison are
   * kept. `live`: the study's trials are running on this machine, so the costliest chart
   * is refreshed sparingly (see {@link LIVE_PARCOORDS_MS}).
   */
  update(view: StudyView, options: { live?: boolean } = {}): Promise<void> {
    this.view = view;
    this.renderHeading();
    this.renderFacts();
    this.renderNotes();
    return this.redraw(options.live === true);
  }

  private state(): ChartState {
    const view = this.view!;
    const pass = new Set(view.trials.filter((t) => passesFilter(t, this.filter)).map((t) => t.number));
    const front =
      this.filter.constraints.length === 0
        ? new Set(view.trials.filter((t) => t.onPareto).map((t) => t.number))
        : filteredFront(view, this.filter);
    return { pass, front, selected: this.selected };
  }

  private redraw(live = false): Promise<void> {
    if (!this.view) return Promise.resolve();
    const view = this.view;
    const state = this.state();
    const complete = view.trials.filter((t) => t.state === "complete").length;
    this.parts.filterStatus.textContent =
      this.filter.constraints.length === 0
        ? `${state.front.size} of ${complete} complete trials on the front`
        : `${[...state.pass].filter((n) => view.trials.find((t) => t.number === n)?.state === "complete").length} of ${complete} complete trials pass the filter; ${state.front.size} on its front`;
    this.renderPick(state);
    this.renderTable(state);
    // Charts are drawn one update at a time (Plotly.react on the same element must not interleave).
    this.drawing = this.drawing.then(async () => {
      const select = (number: number) => this.pick(number);
      drawFront3d(this.front, view, state);
      await drawProjections(
        [this.parts.projection0, this.parts.projection1, this.parts.projection2],
        view,
        state,
        select,
      );
      if (view.hypervolumeHistory.length > 0) await drawHypervolume(this.parts.hypervolume, view);
      const parcoordsDue = !live || (!this.softwareGl && performance.now() >= this.parcoordsNextAt);
      this.parts.parcoordsWait.hidden = !(live && this.softwareGl);
      if (this.webGl && parcoordsDue) {
        const started = performance.now();
        await drawParallelCoordinates(this.parts.parcoords, view, state);
        const took = performance.now() - started;
        this.parcoordsNextAt = performance.now() + Math.max(LIVE_PARCOORDS_MS, 20 * took);
      }
    });
    return this.drawing;
  }

  private pick(number: number): void {
    this.selected.clear();
    this.selected.add(number);
    void this.redraw();
    this.parts.pick.querySelector<HTMLElement>("h2")?.focus();
  }

  private renderHeading(): void {
    const view = this.view!;
    const counts = view.counts;
    const progress = h("progress", {
      max: String(Math.max(counts.total, 1)),
      value: String(counts.complete + counts.failed),
      "aria-label": "finished trials",
    });
    const running =
      view.activity.job || view.activity.workers > 0
        ? h(
            "span",
            { class: "badge running" },
            view.activity.job
              ? `job ${view.activity.job.state}`
              : `${view.activity.workers} worker(s) running`,
          )
        : null;
    replace(
      this.parts.heading,
      h("h1", {}, view.name),
      h(
        "p",
        { class: "lead" },
        view.dataset ? `${view.dataset.name}, sensitive attribute '${view.dataset.primarySensitive}'. ` : "",
        `${counts.complete} complete, ${counts.failed} failed, ${counts.running} running, ${counts.feasible} feasible. `,
        running,
      ),
      progress,
      this.options.actions?.length ? h("div", { class: "actions" }, this.options.actions) : null,
    );
  }

  private renderFacts(): void {
    const view = this.view!;
    const rows: [string, string][] = [];
    if (view.dataset) {
      rows.push([
        "data set",
        `${view.dataset.name} (target ${view.dataset.target ?? "–"} = ${view.dataset.positive ?? "–"})`,
      ]);
      rows.push([
        "rows",
        `${view.dataset.rows.train} training, ${view.dataset.rows.validation} validation, ${view.dataset.rows.test} test`,
      ]);
      rows.push(["sensitive attributes", view.dataset.sensitive.join(", ")]);
    }
    rows.push(["objectives (all minimised)", view.objectives.map((o) => o.label).join("; ")]);
    rows.push(["constraints", view.constraints.length ? view.constraints.join(", ") : "none"]);
    rows.push(["strategy, seed", `${view.strategy}, ${view.seed}`]);
    if (view.hypervolume) {
      rows.push([
        "hypervolume of the front",
        `${formatRate(view.hypervolume.validation, 4)} (validation), ${formatRate(view.hypervolume.test, 4)} (test)`,
      ]);
    }
    if (view.reference) {
      const r = view.reference.test;
      rows.push([
        "reference model (test)",
        `non-private logistic regression: accuracy ${formatRate(r.accuracy)}, DP gap ${formatRate(r.dpDifference)}, EO gap ${formatRate(r.eoDifference)}`,
      ]);
    }
    if (view.delta !== null) rows.push(["δ, accountant", `${view.delta}, ${view.accountant}`]);
    replace(
      this.parts.facts,
      h(
        "dl",
        {},
        rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
      ),
    );
  }

  private renderNotes(): void {
    const view = this.view!;
    if (view.privacyNotes.length === 0) {
      replace(this.parts.notes);
      return;
    }
    replace(
      this.parts.notes,
      h(
        "details",
        {},
        h("summary", {}, "What ε covers in this study, and what it does not"),
        h(
          "ul",
          {},
          view.privacyNotes.map((note) => h("li", {}, note)),
        ),
      ),
    );
  }

  private renderPick(state: ChartState): void {
    const view = this.view!;
    const number = [...this.selected][0];
    const trial = view.trials.find((t) => t.number === number);
    if (!trial) {
      replace(
        this.parts.pick,
        h("h2", { tabindex: "-1" }, "Pick a trial"),
        h("p", {}, "Click a point on a chart, or a trial number in the table, to see it here."),
      );
      return;
    }
    const href = this.options.trialHref(trial.number);
    const style = TRIAL_STYLE[styleOf(trial, state)];
    replace(
      this.parts.pick,
      h("h2", { tabindex: "-1" }, `Trial ${trial.number}`),
      h("p", {}, `${describeTrial(trial)} — ${style.label}.`),
      h("p", {}, paramsText(trial)),
      h(
        "div",
        { class: "buttons" },
        href ? h("a", { href, class: "button" }, `Open trial ${trial.number}`) : null,
        this.compareToggle(trial.number),
      ),
    );
  }

  private compareToggle(number: number): HTMLElement {
    const inComparison = this.compared.has(number);
    return h(
      "button",
      {
        type: "button",
        disabled: !inComparison && this.compared.size >= MAX_COMPARED,
        onclick: () => {
          if (this.compared.has(number)) this.compared.delete(number);
          else if (this.compared.size < MAX_COMPARED) this.compared.add(number);
          void this.redraw();
        },
      },
      inComparison ? "Remove from comparison" : "Add to comparison",
    );
  }

  private renderTable(state = this.view ? this.state() : undefined): void {
    const view = this.view;
    if (!view || !state) return;
    const rows = view.trials.filter((t) => !this.onlyFront || state.front.has(t.number));
    const numbers = [...this.compared].sort((a, b) => a - b);
    replace(
      this.parts.compare,
      h(
        "p",
        {},
        `Comparison: ${numbers.length ? numbers.map((n) => `trial ${n}`).join(", ") : "none"} (up to ${MAX_COMPARED}). `,
        numbers.length >= 2
          ? h("a", { href: this.options.compareHref(numbers), class: "button" }, "Compare side by side")
          : "Tick two to four trials.",
      ),
    );
    const explorer = view.kind === "explorer";
    const header = explorer
      ? [
          "compare",
          "trial",
          "state",
          "model",
          "DP-SGD",
          "ε",
          "accuracy",
          "DP gap",
          "EO gap",
          "on the front",
          "time",
        ]
      : ["compare", "trial", "state", ...view.objectives.map((o) => o.name), "on the front", "time"];
    const table = h(
      "table",
      { class: "trials" },
      h("caption", {}, `${rows.length} trials (validation metrics)`),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          header.map((c) => h("th", { scope: "col" }, c)),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((trial) => {
          const box = h("input", {
            type: "checkbox",
            "aria-label": `compare trial ${trial.number}`,
            checked: this.compared.has(trial.number),
            disabled:
              trial.state !== "complete" ||
              (!this.compared.has(trial.number) && this.compared.size >= MAX_COMPARED),
          });
          box.addEventListener("change", () => {
            if (box.checked) this.compared.add(trial.number);
            else this.compared.delete(trial.number);
            this.renderTable();
            this.renderPick(this.state());
          });
          const pickButton = h(
            "button",
            {
              type: "button",
              class: "link",
              onclick: () => this.pick(trial.number),
              "aria-label": `pick trial ${trial.number}`,
            },
            String(trial.number),
          );
          const v = trial.validation;
          const cells = explorer
            ? [
                String(trial.params.model ?? "–"),
                trial.params.dp === undefined ? "–" : trial.params.dp ? "yes" : "no",
                formatEpsilon(v?.epsilon),
                formatRate(v?.accuracy),
                formatRate(v?.dpDifference),
                formatRate(v?.eoDifference),
              ]
            : (trial.objectives ?? view.objectives.map(() => Number.NaN)).map((x) => formatRate(x, 4));
          const style = trial.state === "complete" ? styleOf(trial, state) : null;
          return h(
            "tr",
            { class: this.selected.has(trial.number) ? "selected" : "" },
            h("td", {}, box),
            h("th", { scope: "row" }, pickButton),
            h("td", {}, trial.error ? h("span", { title: trial.error }, trial.state) : trial.state),
            cells.map((c) => h("td", { class: "num" }, c)),
            h("td", {}, style === "pareto" ? "◆ yes" : style === "infeasible" ? "✕ breaks a constraint" : ""),
            h("td", { class: "num" }, formatSeconds(trial.durationSeconds)),
          );
        }),
      ),
    );
    replace(this.parts.table, table);
  }
}

function paramsText(trial: TrialRow): string {
  return Object.entries(trial.params)
    .map(([k, v]) => `${k} ${formatParam(v)}`)
    .join(", ");
}
