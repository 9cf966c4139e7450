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

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE))
        request.result.createObjectStore(STORE, { keyPath: "id" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () =>
      reject(request.error ?? new Error("the browser refused its local storage (IndexedDB)"));
  });
}

async function withStore<T>(
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await openDatabase();
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error ?? request.error);
      transaction.onabort = () =>
        reject(transaction.error ?? new Error("the browser aborted a save (is its storage full?)"));
    });
  } finally {
    db.close();
  }
}

export function listStudies(): Promise<SavedStudy[]> {
  return withStore("readonly", (store) => store.getAll() as IDBRequest<SavedStudy[]>);
}

export function loadStudy(id: string): Promise<SavedStudy | undefined> {
  return withStore("readonly", (store) => store.get(id) as IDBRequest<SavedStudy | undefined>);
}

export async function saveStudy(study: SavedStudy): Promise<void> {
  await withStore("readwrite", (store) => store.put(study));
}

export async function deleteStudy(id: string): Promise<void> {
  await withStore("readwrite", (store) => store.delete(id));
}

/**
 * Saves the latest bytes of a study, one save at a time: a save asked for while one
 * is under way is folded into the next (only the newest bytes matter).
 */
export class StudySaver {
  private running: Promise<void> = Promise.resolve();
  private pending: (() => { bytes: Uint8Array; counts: TrialCounts }) | null = null;
  private scheduled = false;

  constructor(private readonly base: Omit<SavedStudy, "bytes" | "counts" | "updatedAt">) {}

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
      await saveStudy({ ...this.base, bytes, counts, updatedAt: Date.now() });
    });
  }

  /** Resolves when every save asked for so far is written. */
  async flush(): Promise<void> {
    while (this.scheduled || this.pending) await this.running;
    await this.running;
  }
}
