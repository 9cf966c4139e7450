/** Builds a study's TrialData from its request: the same bytes in every worker. */
import { UserError } from "../common/errors.js";
import { type PreparedTask, prepareTask, splitValidation } from "../data/index.js";
import type { TrialData } from "./trial.js";
import type { WorkerSetup } from "./worker-protocol.js";

export async function loadTrialData(
  setup: Pick<WorkerSetup, "request" | "validationFraction" | "splitSeed" | "primarySensitive">,
): Promise<TrialData & { task: PreparedTask }> {
  const task = await prepareTask(setup.request);
  return trialDataOf(task, setup);
}

export function trialDataOf(
  task: PreparedTask,
  setup: Pick<WorkerSetup, "validationFraction" | "splitSeed" | "primarySensitive">,
): TrialData & { task: PreparedTask } {
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
