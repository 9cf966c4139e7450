/**
 * The in-browser study's own thread: it prepares the data, trains the reference
 * model, runs the search (the GP's fits would otherwise stall the page) with trials
 * in further workers, keeps the study in sql.js and saves it to IndexedDB after
 * every write. It holds a Web Lock on the study, so two tabs never run one study.
 */
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import initSqlJs from "sql.js";
import { isUserError } from "../../../src/common/errors.js";
import { summariseStudy } from "../../../src/explore/summary.js";
import { initBackend } from "../../../src/nn/backend.js";
import { reportDataOf } from "../../../src/report/from-explorer.js";
import { renderHtmlReport } from "../../../src/report/html.js";
import type { Study } from "../../../src/search/index.js";
import { studyView, trialDetail } from "../../../src/server/study-view.js";
import { runLocalStudy } from "./explorer.js";
import type { StudyWorkerReply, StudyWorkerRequest } from "./messages.js";
import { StudySaver } from "./persistence.js";
import type { SqlJsStudyStore } from "./sqljs-store.js";
import { WebTrialRunner } from "./trial-pool.js";

const scope = self as unknown as {
  postMessage(message: StudyWorkerReply, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<StudyWorkerRequest>) => void) | null;
  location: Location;
};
const base = new URL("./", scope.location.href).href;
const post = (message: StudyWorkerReply, transfer?: Transferable[]) => scope.postMessage(message, transfer);

let study: Study | undefined;
let store: SqlJsStudyStore | undefined;
let studyId = "";

async function view(): Promise<void> {
  if (!study) return;
  const snapshot = await study.snapshot();
  const definition = await study.store.definition();
  post({
    kind: "view",
    view: studyView(
      snapshot,
      definition.space,
      { id: studyId, name: studyId, file: `${studyId}.db` },
      { workers: 0, job: null },
    ),
  });
}

async function run(message: Extract<StudyWorkerRequest, { kind: "run" }>): Promise<void> {
  const started = performance.now();
  studyId = message.request.id;
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  const work = async () => {
    // The reference model trains here, on WebAssembly; the trials choose their own backend.
    setWasmPaths(base);
    await initBackend("wasm");
    const SQL = await initSqlJs({ locateFile: (file: string) => new URL(file, base).href });
    const saver = new StudySaver(studyId);
    const countsOf = async (s: SqlJsStudyStore) => {
      const trials = await s.trials();
      return {
        total: trials.length,
        complete: trials.filter((t) => t.state === "complete").length,
        failed: trials.filter((t) => t.state === "failed").length,
        running: trials.filter((t) => t.state === "running").length,
        feasible: trials.filter((t) => t.state === "complete" && (t.constraints ?? []).every((c) => c <= 0))
          .length,
      };
    };
    let lastCounts = { total: 0, complete: 0, failed: 0, running: 0, feasible: 0 };
    study = await runLocalStudy(message.csvText, message.request, {
      SQL,
      runner: new WebTrialRunner(message.trialPorts),
      stored: message.stored,
      note: (text) => post({ kind: "note", text }),
      persist: (s) => {
        store = s;
        void countsOf(s).then((counts) => {
          lastCounts = counts;
        });
        saver.save(() => ({ bytes: s.exportBytes(), counts: lastCounts }));
      },
      onOpen: async (s) => {
        study = s;
        await view();
      },
      onTrial: async () => {
        await view();
      },
    });
    lastCounts = await countsOf(study.store as SqlJsStudyStore);
    saver.save(() => ({ bytes: (study!.store as SqlJsStudyStore).exportBytes(), counts: lastCounts }));
    await saver.flush();
    await view();
    post({ kind: "done", seconds: (performance.now() - started) / 1000 });
  };
  if (!locks) return work();
  await locks.request(`equipoise-study:${studyId}`, { ifAvailable: true }, async (lock) => {
    if (!lock) throw new Error("this study is running in another tab of this browser; close it there first");
    await work();
  });
}

/** The backends the trials say they trained on; studies from before trials said so ran on WebAssembly. */
function trialBackends(trials: readonly { metrics?: Record<string, unknown> | null }[]): string {
  const names = new Set<string>();
  for (const trial of trials) {
    const backend = trial.metrics?.backend;
    if (typeof backend === "string") names.add(backend);
  }
  return names.size > 0 ? [...names].sort().join(", ") : "wasm";
}

scope.onmessage = async (event) => {
  const message = event.data;
  try {
    if (message.kind === "run") await run(message);
    else if (message.kind === "trial") {
      if (!study) throw new Error("no study is open");
      post({ kind: "trial", detail: trialDetail(await study.snapshot(), studyId, message.number) });
    } else if (message.kind === "report") {
      if (!study) throw new Error("no study is open");
      const snapshot = await study.snapshot();
      const summary = summariseStudy(snapshot, studyId);
      const data = reportDataOf(summary, {
        strategy: snapshot.strategy,
        constraints: snapshot.constraints.map((c) => c.name),
        budget: summary.trials.total,
        workers: null,
        backend: `${trialBackends(snapshot.trials)} (in the browser)`,
        seed: snapshot.seed,
      });
      post({ kind: "report", html: renderHtmlReport(data) });
    } else if (message.kind === "bytes") {
      if (!store) throw new Error("no study is open");
      const bytes = store.exportBytes();
      post({ kind: "bytes", bytes }, [bytes.buffer]);
    }
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    post({ kind: "error", message: isUserError(error) ? text : text || "the study failed" });
  }
};
