/**
 * Runs jobs, each in a process of its own, at most `maxRunning` at once (the rest
 * wait in order). A job's state, progress and result are kept in memory while the
 * server runs and written to the jobs folder when it ends, so finished audits and
 * trainings survive a restart. Listeners hear every change (the event streams).
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../../common/files.js";
import { toJson } from "../../common/json.js";
import { type JobDoc, jobDocSchema } from "../documents.js";
import { HttpError, notFound } from "../http-error.js";
import { inside } from "../paths.js";
import { SAFE_NAME } from "../requests.js";
import type { JobReplyMessage, JobRequestMessage } from "./job-process.js";
import { jobKind, jobKinds } from "./kinds.js";

export interface JobManagerOptions {
  /** Jobs running at once (default 1: a study already uses every core through its workers). */
  maxRunning?: number;
  /** Where finished jobs are kept. */
  folder: string;
  /** How long a stopped job may take to leave cleanly before it is killed (default 15 s). */
  stopGraceMs?: number;
}

interface JobEntry {
  doc: JobDoc;
  params: unknown;
  child?: ChildProcess;
  stopRequested: boolean;
  stderrTail: string[];
  exited?: Promise<void>;
}

type Listener = (doc: JobDoc) => void;

export class JobManager {
  private readonly jobs = new Map<string, JobEntry>();
  private readonly queue: string[] = [];
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly anyListeners = new Set<Listener>();
  private readonly maxRunning: number;
  private closing = false;

  constructor(private readonly options: JobManagerOptions) {
    this.maxRunning = options.maxRunning ?? 1;
    this.loadFinished();
  }

  kinds(): string[] {
    return Object.keys(jobKinds);
  }

  /** Validates the parameters and queues the job; it starts at once when a slot is free. */
  start(kindName: string, params: unknown, studyId: string | null = null): JobDoc {
    if (this.closing) throw new HttpError(503, "the server is shutting down");
    const kind = jobKind(kindName);
    if (!kind) throw new HttpError(501, `this server cannot run '${kindName}' jobs`);
    const parsed = kind.params.safeParse(params);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HttpError(400, `${issue?.path.join(".") || "parameters"}: ${issue?.message}`);
    }
    if (studyId && this.forStudy(studyId)) {
      throw new HttpError(409, `study '${studyId}' already has a job; stop it first`);
    }
    const id = `${kindName}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
    const doc: JobDoc = {
      id,
      kind: kindName,
      state: "queued",
      title: kind.title(parsed.data),
      progress: { done: null, total: null, message: "waiting for a free slot" },
      studyId,
      result: null,
      error: null,
      createdAt: Date.now(),
      startedAt: null,
      finishedAt: null,
    };
    this.jobs.set(id, { doc, params: parsed.data, stopRequested: false, stderrTail: [] });
    this.queue.push(id);
    this.emit(id);
    this.pump();
    return structuredClone(doc);
  }

  get(id: string): JobDoc {
    return structuredClone(this.entry(id).doc);
  }

  list(): JobDoc[] {
    return [...this.jobs.values()]
      .map((e) => structuredClone(e.doc))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /** The queued or running job of a study, if any. */
  forStudy(studyId: string): JobDoc | null {
    for (const entry of this.jobs.values()) {
      if (entry.doc.studyId === studyId && (entry.doc.state === "queued" || entry.doc.state === "running"))
        return entry.doc;
    }
    return null;
  }

  /** Stops a job: a queued one is dropped, a running one is asked to end (SIGTERM), then killed. */
  async stop(id: string): Promise<JobDoc> {
    const entry = this.entry(id);
    if (entry.doc.state === "queued") {
      this.queue.splice(this.queue.indexOf(id), 1);
      this.finish(entry, "cancelled", { error: "stopped before it started" });
    } else if (entry.doc.state === "running" && entry.child) {
      entry.stopRequested = true;
      entry.doc.progress = { ...entry.doc.progress, message: "stopping" };
      this.emit(id);
      entry.child.kill("SIGTERM");
      const timer = setTimeout(() => entry.child?.kill("SIGKILL"), this.options.stopGraceMs ?? 15_000);
      await entry.exited;
      clearTimeout(timer);
    }
    return this.get(id);
  }

  subscribe(id: string, listener: Listener): () => void {
    this.entry(id);
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Hears every change of every job. */
  subscribeAll(listener: Listener): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  /** Stops every job (the server is closing). */
  async close(): Promise<void> {
    this.closing = true;
    const ids = [...this.jobs.values()]
      .filter((e) => e.doc.state === "queued" || e.doc.state === "running")
      .map((e) => e.doc.id);
    await Promise.all(ids.map((id) => this.stop(id)));
  }

  private entry(id: string): JobEntry {
    if (!SAFE_NAME.test(id)) throw new HttpError(400, "a job id is letters, digits, '-' and '_'");
    const entry = this.jobs.get(id);
    if (!entry) throw notFound(`job '${id}'`);
    return entry;
  }

  private running(): number {
    let n = 0;
    for (const entry of this.jobs.values()) if (entry.doc.state === "running") n++;
    return n;
  }

  private pump(): void {
    while (!this.closing && this.queue.length > 0 && this.running() < this.maxRunning) {
      const entry = this.jobs.get(this.queue.shift()!)!;
      this.launch(entry);
    }
  }

  private launch(entry: JobEntry): void {
    const fromSource = import.meta.url.endsWith(".ts");
    const script = fileURLToPath(
      new URL(fromSource ? "./job-process.ts" : "./job-process.js", import.meta.url),
    );
    const child = fork(script, [], {
      execArgv: fromSource ? ["--import", import.meta.resolve("tsx")] : [],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "advanced",
    });
    entry.child = child;
    entry.doc.state = "running";
    entry.doc.startedAt = Date.now();
    entry.doc.progress = { done: null, total: null, message: "starting" };
    let outcome: { result?: unknown; error?: string } = {};
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      entry.stderrTail.push(...chunk.split("\n").filter((line) => line.trim() !== ""));
      entry.stderrTail.splice(0, Math.max(0, entry.stderrTail.length - 20));
    });
    child.on("message", (message: JobReplyMessage) => {
      if (message.type === "progress") {
        entry.doc.progress = {
          done: message.progress.done ?? entry.doc.progress.done,
          total: message.progress.total ?? entry.doc.progress.total,
          message: message.progress.message,
        };
        this.emit(entry.doc.id);
      } else if (message.type === "result") {
        outcome = { result: JSON.parse(message.json) };
      } else if (message.type === "error") {
        outcome = { error: message.message };
      }
    });
    entry.exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        entry.child = undefined;
        if (entry.stopRequested) this.finish(entry, "cancelled", { error: "stopped by a user" });
        else if ("result" in outcome) this.finish(entry, "succeeded", { result: outcome.result });
        else if (outcome.error) this.finish(entry, "failed", { error: outcome.error });
        else {
          const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
          const last = entry.stderrTail.at(-1);
          this.finish(entry, "failed", { error: `the job's process ${how}${last ? `: ${last}` : ""}` });
        }
        resolve();
        this.pump();
      });
    });
    child.on("error", () => {
      // 'exit' follows and records the failure
    });
    const request: JobRequestMessage = { type: "run", kind: entry.doc.kind, params: entry.params };
    child.send(request);
    this.emit(entry.doc.id);
  }

  private finish(
    entry: JobEntry,
    state: JobDoc["state"],
    outcome: { result?: unknown; error?: string },
  ): void {
    entry.doc.state = state;
    entry.doc.finishedAt = Date.now();
    entry.doc.result = outcome.result ?? null;
    entry.doc.error = outcome.error ?? null;
    entry.doc.progress = { ...entry.doc.progress, message: state };
    try {
      writeFileAtomic(inside(this.options.folder, `${entry.doc.id}.json`), toJson(entry.doc));
    } catch {
      // the job's outcome stays in memory; a full disk must not take the server down
    }
    this.emit(entry.doc.id);
  }

  private emit(id: string): void {
    const entry = this.jobs.get(id);
    if (!entry) return;
    const doc = structuredClone(entry.doc);
    for (const listener of this.listeners.get(id) ?? []) listener(doc);
    for (const listener of this.anyListeners) listener(doc);
  }

  private loadFinished(): void {
    for (const file of readdirSync(this.options.folder)) {
      const match = /^(.+)\.json$/.exec(file);
      if (!match || !SAFE_NAME.test(match[1])) continue;
      try {
        const doc = jobDocSchema.parse(JSON.parse(readFileSync(inside(this.options.folder, file), "utf8")));
        this.jobs.set(doc.id, { doc, params: null, stopRequested: false, stderrTail: [] });
      } catch {
        // not a job file of ours
      }
    }
  }
}
