/**
 * The studies a server shows: the files named on its command line and every study
 * in its studies folder (those it created). Clients name a study by its id, never
 * by a path.
 *
 * Reading never writes: each read opens the study read-only through the store
 * (src/search/store), which reads a study that a running explorer is writing (WAL
 * readers see every committed trial, and never block the writer). Views are cached
 * by the file's signature (size and modification time of the database and its
 * write-ahead log), so a page that asks again for an unchanged study costs a stat.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { UserError } from "../common/errors.js";
import { isWorkerAlive, Study, type StudySnapshot } from "../search/index.js";
import type { SearchSpaceJSON } from "../search/space.js";
import type { StudyListItem, StudyProgress, StudyView, TrialDetail } from "./documents.js";
import { HttpError, notFound } from "./http-error.js";
import { inside } from "./paths.js";
import { SAFE_NAME } from "./requests.js";
import { type StudyActivity, studyListItem, studyView, trialDetail } from "./study-view.js";

export interface StudyEntry {
  id: string;
  name: string;
  path: string;
  /** Total trials asked for by the job that runs it, when this server started one. */
  budget: number | null;
}

/** A worker silent for this long is shown as gone (the explorer beats every 5 s). */
const LIVENESS = { staleAfterMs: 60_000 };

interface Snapshot {
  signature: string;
  snapshot: StudySnapshot;
  space: SearchSpaceJSON;
  workers: number;
}

export class StudyCatalog {
  private readonly entries = new Map<string, StudyEntry>();
  private readonly cache = new Map<string, Snapshot>();

  /** `activity` tells which job (if any) of this server runs a study. */
  constructor(
    readonly folder: string,
    private readonly jobOf: (studyId: string) => StudyActivity["job"],
  ) {
    this.scanFolder();
  }

  /** Adds a study file named by the user (command line); returns its id. */
  addFile(path: string): StudyEntry {
    const absolute = resolve(path);
    for (const entry of this.entries.values()) if (entry.path === absolute) return entry;
    if (!existsSync(absolute)) throw new UserError(`study file not found: ${path}`);
    if (statSync(absolute).isDirectory()) throw new UserError(`${path} is a directory, not a study file`);
    return this.register(absolute);
  }

  /** The path of a new study called `name` in the studies folder; refused if it exists. */
  newStudyPath(name: string): string {
    if (this.entries.has(name)) throw new HttpError(409, `a study called '${name}' already exists`);
    const path = inside(this.folder, `${name}.db`);
    if (existsSync(path)) throw new HttpError(409, `a study file ${name}.db already exists`);
    return path;
  }

  /** Registers a study the server is about to create (its file appears when the job starts). */
  addCreated(name: string, path: string, budget: number): StudyEntry {
    const entry: StudyEntry = { id: name, name, path, budget };
    this.entries.set(name, entry);
    return entry;
  }

  entry(id: string): StudyEntry {
    if (!SAFE_NAME.test(id)) throw new HttpError(400, "a study id is letters, digits, '-' and '_'");
    const entry = this.entries.get(id);
    if (!entry) throw notFound(`study '${id}'`);
    return entry;
  }

  setBudget(id: string, budget: number): void {
    this.entry(id).budget = budget;
  }

  list(): StudyEntry[] {
    this.scanFolder();
    return [...this.entries.values()];
  }

  async listItems(): Promise<StudyListItem[]> {
    return Promise.all(this.list().map((entry) => this.listItem(entry)));
  }

  async view(id: string): Promise<StudyView> {
    const entry = this.entry(id);
    const read = await this.read(entry);
    return studyView(read.snapshot, read.space, this.identity(entry), this.activity(entry, read));
  }

  async trial(id: string, number: number): Promise<TrialDetail> {
    const entry = this.entry(id);
    const read = await this.read(entry);
    try {
      return trialDetail(read.snapshot, id, number);
    } catch (error) {
      if (error instanceof UserError) throw notFound(`trial ${number} of study '${id}'`);
      throw error;
    }
  }

  async snapshot(id: string): Promise<StudySnapshot> {
    return (await this.read(this.entry(id))).snapshot;
  }

  /** A study's progress for live updates; never throws (an unreadable study reports why). */
  async progress(id: string): Promise<StudyProgress> {
    const entry = this.entry(id);
    const item = await this.listItem(entry);
    return {
      id,
      counts: item.counts,
      hypervolume: item.hypervolume,
      workers: item.activity.workers,
      job: item.activity.job,
      error: item.error,
    };
  }

  /** What changes when a study changes; cheap (two stats). */
  signature(id: string): string {
    return fileSignature(this.entry(id).path);
  }

  private async listItem(entry: StudyEntry): Promise<StudyListItem> {
    const identity = this.identity(entry);
    const job = this.jobOf(entry.id);
    const empty = {
      ...identity,
      kind: null,
      dataset: null,
      objectives: [],
      counts: null,
      budget: entry.budget,
      hypervolume: null,
      activity: { workers: 0, job },
    };
    if (!existsSync(entry.path)) {
      return { ...empty, error: job ? null : "the study file is not there (yet)" };
    }
    try {
      const read = await this.read(entry);
      const view = studyView(read.snapshot, read.space, identity, this.activity(entry, read));
      const stored = (read.snapshot.metadata as { budget?: unknown }).budget;
      return studyListItem(view, entry.budget ?? (typeof stored === "number" ? stored : null));
    } catch (error) {
      return { ...empty, error: error instanceof Error ? error.message : String(error) };
    }
  }

  private identity(entry: StudyEntry) {
    return { id: entry.id, name: entry.name, file: basename(entry.path) };
  }

  private activity(entry: StudyEntry, read: Snapshot): StudyActivity {
    return { workers: read.workers, job: this.jobOf(entry.id) };
  }

  private async read(entry: StudyEntry): Promise<Snapshot> {
    if (!existsSync(entry.path)) throw new HttpError(404, `study '${entry.id}' has no file yet`);
    const signature = fileSignature(entry.path);
    const cached = this.cache.get(entry.id);
    // Liveness changes without a write (a killed worker), so a cached entry is
    // trusted only while it has no worker to lose.
    if (cached && cached.signature === signature && cached.workers === 0) return cached;
    let study: Study;
    try {
      study = await Study.openReadOnly(entry.path);
    } catch (error) {
      if (error instanceof UserError) throw new HttpError(422, error.message);
      throw error;
    }
    try {
      const snapshot = await study.snapshot();
      const definition = await study.store.definition();
      const now = Date.now();
      const workers = (await study.store.workers()).filter((w) => isWorkerAlive(w, now, LIVENESS)).length;
      const read = { signature, snapshot, space: definition.space, workers };
      this.cache.set(entry.id, read);
      return read;
    } finally {
      await study.close();
    }
  }

  private register(path: string): StudyEntry {
    const stem = basename(path).replace(/\.[^.]*$/, "");
    const base =
      stem
        .replace(/[^A-Za-z0-9_-]/g, "-")
        .replace(/^[^A-Za-z0-9]+/, "")
        .slice(0, 56) || "study";
    let id = base;
    for (let k = 2; this.entries.has(id); k++) id = `${base}-${k}`;
    const entry: StudyEntry = { id, name: stem, path, budget: null };
    this.entries.set(id, entry);
    return entry;
  }

  /** Picks up study files that appeared in the studies folder (made by this server, or copied there). */
  private scanFolder(): void {
    const known = new Set([...this.entries.values()].map((e) => e.path));
    for (const file of readdirSync(this.folder)) {
      if (!file.endsWith(".db")) continue;
      const path = join(this.folder, file);
      if (known.has(path)) continue;
      const stem = file.slice(0, -3);
      if (SAFE_NAME.test(stem) && !this.entries.has(stem)) {
        this.entries.set(stem, { id: stem, name: stem, path, budget: null });
      } else {
        this.register(path);
      }
    }
  }
}

function fileSignature(path: string): string {
  const part = (file: string) => {
    try {
      const stat = statSync(file);
      return `${stat.size}:${stat.mtimeMs}`;
    } catch {
      return "-";
    }
  };
  return `${part(path)}|${part(`${path}-wal`)}`;
}
