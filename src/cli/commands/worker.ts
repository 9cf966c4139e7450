/** `equipoise worker`: one more worker for a shared explorer study, on this machine. */
import { explore } from "../../explore/explorer.js";
import { joinStudyOptions } from "../../explore/join.js";
import { defineCommand, parseNumber, requireOption } from "../command.js";
import { createProgress } from "../progress.js";

export const workerCommand = defineCommand({
  name: "worker",
  summary: "join a shared explorer study and run its trials until its budget is spent",
  options: {
    study: {
      type: "string",
      valueName: "URL",
      description:
        "the study: postgres://USER@HOST/DB?study=NAME (or a study file shared by processes of this machine)",
    },
    workers: {
      type: "string",
      valueName: "W",
      description: "trials evaluated at once on this machine (default: the number of cores)",
    },
    budget: {
      type: "string",
      valueName: "N",
      description: "total trials of the study (default: the budget its 'explore' recorded)",
    },
    data: {
      type: "string",
      valueName: "FILE",
      description:
        "this machine's copy of the data file, for a study made on a file (its fingerprint is checked)",
    },
    "data-dir": {
      type: "string",
      valueName: "DIR",
      description: "local copies of fetched datasets (default EQUIPOISE_DATA_DIR)",
    },
    backend: { type: "string", valueName: "NAME", description: "tensor backend: wasm, cpu, tensorflow" },
    "batch-trials": {
      type: "string",
      valueName: "K",
      description: "train up to K logistic-regression trials at once as one ensemble per thread",
      default: "1",
    },
  },
  details: `A study is created by 'equipoise explore --study postgres://...', which records its data,
objectives, strategy and budget; workers on any number of machines then join it. Each
claims trials one at a time in a transaction, so the budget is honoured exactly and no
trial runs twice; a worker killed mid-trial (even with kill -9) loses only that trial,
which another worker redoes. When no trial is left to start, a worker waits for those
still running elsewhere, then prints the study's summary and exits.

Passwords: prefer PGPASSWORD or ~/.pgpass to a password in the URL (visible to 'ps').
TLS: add &sslmode=verify-full (&sslrootcert=CA.pem for a private certificate authority).

Example:
  equipoise worker --study "postgres://ada@db.example/studies?study=adult-sex&sslmode=verify-full"`,
  async run({ options, out }) {
    const location = requireOption("study", options.study);
    const progress = createProgress("worker", {
      isTTY: out.stderrIsTTY,
      write: (text) => process.stderr.write(text),
    });
    let ranHere = 0;
    const joined = await joinStudyOptions({
      location,
      ...(options.data ? { data: options.data } : {}),
      ...(options["data-dir"] ? { dataDir: options["data-dir"] } : {}),
      ...(options.budget !== undefined
        ? { budget: parseNumber("budget", options.budget, { integer: true, min: 1, max: 1_000_000 }) }
        : {}),
      ...(options.workers !== undefined
        ? { workers: parseNumber("workers", options.workers, { integer: true, min: 1, max: 256 }) }
        : {}),
      ...(options.backend ? { backend: options.backend } : {}),
      batchTrials: parseNumber("batch-trials", options["batch-trials"], { integer: true, min: 1, max: 64 }),
      onEvent: (event) => {
        if (event.kind === "note") out.note(event.text);
        else {
          ranHere++;
          progress.update(event.done, event.budget, event.progress);
        }
      },
    });
    const result = await explore(joined);
    progress.finish();
    const { summary } = result;
    if (out.wantsJson) {
      out.json({
        study: result.studyPath,
        trialsHere: ranHere,
        workers: result.workers,
        budget: joined.budget,
        trials: summary.trials,
        hypervolume: summary.hypervolume,
        wallSeconds: result.wallSeconds,
      });
      return;
    }
    out.print(
      `${ranHere} trials run here (${result.workers} at a time, ${result.wallSeconds.toFixed(1)} s); study ${result.studyPath}: ${summary.trials.complete} complete, ${summary.trials.failed} failed of ${joined.budget}, hypervolume ${summary.hypervolume.validation.toFixed(4)} (validation), ${summary.hypervolume.test.toFixed(4)} (test)`,
    );
  },
});
