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
