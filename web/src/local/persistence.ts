/**
 * Studies kept in this browser (IndexedDB): the CSV the user dropped, what they
 * asked for, and the study's SQLite bytes after every write, so that a reload (or
 * a crash) resumes the study where it was. Nothing here ever leaves the browser.
 */
import type { TrialCounts } from "../../../src/server/documents.js";
import type { LocalStudyRequest } from "./explorer.js";

export interface SavedStudy {
  id: string;
  request: LocalStudyRequest;
  csvText: string;
  /** The study file's bytes (absent until the study has been created). */
  bytes?: Uint8Array;
  counts?: TrialCounts;
  updatedAt: number;
}

const DATABASE = "equipoise";
const STORE = "studies";
/**
 * The study file's bytes and counts, apart from the study's record: they are written
 * after every trial, and the record holds the user's whole CSV, which would otherwise
 * be cloned and written again with them each time (seconds of a study's CPU for a
 * data set of a few MB). Version 1 kept the bytes in the record; such records are read as before.
 */
const BYTES = "study-bytes";

interface StoredBytes {
  id: string;
  bytes: Uint8Array;
  counts: TrialCounts;
  updatedAt: number;
}

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 2);
    request.onupgradeneeded = () => {
      for (const name of [STORE, BYTES]) {
        if (!request.result.objectStoreNames.contains(name))
          request.result.createObjectStore(name, { keyPath: "id" });
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () =>
      reject(request.error ?? new Error("the browser refused its local storage (IndexedDB)"));
  });
}

/** One transaction over both stores; `work` returns what to resolve with once it has committed. */
async function withStores<T>(
  mode: IDBTransactionMode,
  work: (studies: IDBObjectStore, bytes: IDBObjectStore) => () => T,
): Promise<T> {
  const db = await openDatabase();
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = db.transaction([STORE, BYTES], mode);
      const result = work(transaction.objectStore(STORE), transaction.objectStore(BYTES));
      transaction.oncomplete = () => resolve(result());
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () =>
        reject(transaction.error ?? new Error("the browser aborted a save (is its storage full?)"));
    });
  } finally {
    db.close();
  }
}

/** A study's record with its newest bytes and counts (from the bytes store, else from a version-1 record). */
function merged(study: SavedStudy, stored: StoredBytes | undefined): SavedStudy {
  if (!stored) return study;
  return {
    ...study,
    bytes: stored.bytes,
    counts: stored.counts,
    updatedAt: Math.max(study.updatedAt, stored.updatedAt),
  };
}

export function listStudies(): Promise<SavedStudy[]> {
  return withStores("readonly", (studies, bytes) => {
    const all = studies.getAll() as IDBRequest<SavedStudy[]>;
    const saved = bytes.getAll() as IDBRequest<StoredBytes[]>;
    return () => {
      const byId = new Map(saved.result.map((b) => [b.id, b]));
      return all.result.map((study) => merged(study, byId.get(study.id)));
    };
  });
}

export function loadStudy(id: string): Promise<SavedStudy | undefined> {
  return withStores("readonly", (studies, bytes) => {
    const study = studies.get(id) as IDBRequest<SavedStudy | undefined>;
    const stored = bytes.get(id) as IDBRequest<StoredBytes | undefined>;
    return () => (study.result ? merged(study.result, stored.result) : undefined);
  });
}

export async function saveStudy(study: SavedStudy): Promise<void> {
  const { bytes, counts, ...record } = study;
  await withStores("readwrite", (studies, stored) => {
    studies.put(record);
    // A new study starts with no bytes: none left by a deleted study of the same name may be resumed.
    if (bytes && counts) stored.put({ id: study.id, bytes, counts, updatedAt: study.updatedAt });
    else stored.delete(study.id);
    return () => undefined;
  });
}

/** Writes a study's bytes and counts only (its record, with the CSV, is written once by `saveStudy`). */
export async function saveStudyBytes(id: string, bytes: Uint8Array, counts: TrialCounts): Promise<void> {
  await withStores("readwrite", (_, stored) => {
    stored.put({ id, bytes, counts, updatedAt: Date.now() } satisfies StoredBytes);
    return () => undefined;
  });
}

export async function deleteStudy(id: string): Promise<void> {
  await withStores("readwrite", (studies, bytes) => {
    studies.delete(id);
    bytes.delete(id);
    return () => undefined;
  });
}

/**
 * Saves the latest bytes of a study, one save at a time: a save asked for while one
 * is under way is folded into the next (only the newest bytes matter).
 */
export class StudySaver {
  private running: Promise<void> = Promise.resolve();
  private pending: (() => { bytes: Uint8Array; counts: TrialCounts }) | null = null;
  private scheduled = false;

  constructor(private readonly id: string) {}

  save(snapshot: () => { bytes: Uint8Array; counts: TrialCounts }): void {
    this.pending = snapshot;
    if (this.scheduled) return;
    this.scheduled = true;
    this.running = this.running.then(async () => {
      this.scheduled = false;
      const take = this.pending;
      this.pending = null;
      if (!take) return;
      const { bytes, counts } = take();
      await saveStudyBytes(this.id, bytes, counts);
    });
  }

  /** Resolves when every save asked for so far is written. */
  async flush(): Promise<void> {
    while (this.scheduled || this.pending) await this.running;
    await this.running;
  }
}
