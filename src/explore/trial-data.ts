/**
 * A study's TrialData: built once from the prepared task, placed in shared memory
 * for the worker threads, and fingerprinted so that a resumed study can prove it
 * still trains on the same data.
 */
import { UserError } from "../common/errors.js";
import {
  type Matrix,
  type PreparedTask,
  prepareTask,
  type Split,
  splitValidation,
  type TaskRequest,
} from "../data/index.js";
import type { TrialData } from "./trial.js";

export interface TrialDataOptions {
  /** Share of the training split held out for validation (what the search sees). */
  validationFraction: number;
  /** Seed of the validation split (the study's seed; the train/test split has its own, `request.seed`). */
  splitSeed: number;
  /** The sensitive attribute whose fairness gaps are objectives. */
  primarySensitive: string;
}

export async function loadTrialData(
  setup: TrialDataOptions & { request: TaskRequest },
): Promise<TrialData & { task: PreparedTask }> {
  const task = await prepareTask(setup.request);
  return trialDataOf(task, setup);
}

export function trialDataOf(task: PreparedTask, setup: TrialDataOptions): TrialData & { task: PreparedTask } {
  if (task.numClasses !== 2) {
    throw new UserError(`the explorer needs a binary task; '${task.name}' has ${task.numClasses} classes`);
  }
  const primary = task.train.sensitive.findIndex((s) => s.name === setup.primarySensitive);
  if (primary < 0) {
    const known = task.train.sensitive.map((s) => s.name).join(", ") || "none";
    throw new UserError(
      `'${setup.primarySensitive}' is not a sensitive attribute of ${task.name} (known: ${known})`,
    );
  }
  const { train, validation } = splitValidation(task.train, setup.validationFraction, setup.splitSeed);
  return {
    task,
    train,
    validation,
    test: task.test,
    numClasses: task.numClasses,
    inputShape: task.imageShape ? [...task.imageShape] : [task.train.X.cols],
    primary,
  };
}

/**
 * A copy of `data` whose arrays (X, y and sensitive codes of every split) live in
 * SharedArrayBuffers. Posted to a worker thread, such an array is shared, not
 * copied: every worker trains on the same bytes, held once (the explorer's workers
 * used to read and prepare the file each, ~0.7 GB apiece on 200,000 rows —
 * BENCHMARKS.md, "Explorer memory"). Nothing in a trial writes to its data.
 */
export function shareTrialData(data: TrialData): TrialData {
  return {
    train: shareSplit(data.train),
    validation: shareSplit(data.validation),
    test: shareSplit(data.test),
    numClasses: data.numClasses,
    inputShape: [...data.inputShape],
    primary: data.primary,
  };
}

function shareSplit(split: Split): Split {
  const X: Matrix = { rows: split.X.rows, cols: split.X.cols, data: shared(split.X.data) };
  return {
    X,
    y: shared(split.y),
    sensitive: split.sensitive.map((s) => ({
      name: s.name,
      categories: [...s.categories],
      codes: shared(s.codes),
    })),
  };
}

function shared<T extends Float32Array | Int32Array>(array: T): T {
  const Constructor = array.constructor as new (buffer: SharedArrayBuffer) => T;
  const copy = new Constructor(new SharedArrayBuffer(array.byteLength));
  copy.set(array);
  return copy;
}

/**
 * SHA-256 (Web Crypto) of the prepared data: the description of the task (names,
 * categories, shapes) and the arrays of both splits, as hex. Any change to the data
 * file that survives preparation changes it, even with the same number of rows.
 * Web Crypto has no incremental digest, so each array is hashed on its own and the
 * fingerprint is the hash of the description followed by those digests.
 */
export async function dataFingerprint(task: PreparedTask): Promise<string> {
  const describe = (split: Split) => ({
    rows: split.X.rows,
    cols: split.X.cols,
    sensitive: split.sensitive.map((s) => ({ name: s.name, categories: s.categories })),
  });
  const description = JSON.stringify({
    target: task.target,
    positive: task.positiveLabel,
    classes: task.classNames,
    features: task.featureNames,
    imageShape: task.imageShape ?? null,
    train: describe(task.train),
    test: describe(task.test),
  });
  const arrays = [task.train, task.test].flatMap((split) => [
    split.X.data,
    split.y,
    ...split.sensitive.map((s) => s.codes),
  ]);
  const digests = await Promise.all(arrays.map(sha256));
  const whole = new Uint8Array(32 * digests.length);
  for (const [k, digest] of digests.entries()) whole.set(digest, 32 * k);
  const description32 = await sha256(new TextEncoder().encode(description));
  return hex(await sha256(concat(description32, whole)));
}

async function sha256(view: ArrayBufferView): Promise<Uint8Array> {
  // Web Crypto refuses views of shared memory: those are copied first.
  const bytes =
    view.buffer instanceof SharedArrayBuffer
      ? new Uint8Array(new Uint8Array(view.buffer, view.byteOffset, view.byteLength))
      : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  return new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
