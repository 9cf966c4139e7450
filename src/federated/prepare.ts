/**
 * The data of a federated run. Preprocessing must not look at the clients' rows: in a
 * real federation the encoding is published before any client joins. "public" builds
 * it from declared metadata only; "fit" computes it from the training split — in a
 * simulation, that is every client's rows in the clear, which client-level DP does not
 * cover. Under DP the default is "public" when every column is declared, else "fit",
 * labelled in the report and marked not for release. (The data layer's "private"
 * fitting protects rows, not clients, so it is not offered here.)
 */
import { UsageError } from "../common/errors.js";
import { MissingDeclarationError, type PreparedTask, prepareTask, type TaskRequest } from "../data/index.js";

/**
 * How a federated run's preprocessing is built: fitted on the server's data, or from declared public metadata.
 *
 * @example
 * ```ts
 * import { type FederatedPreprocessing, prepareFederatedTask } from "equipoise/federated";
 * const mode: FederatedPreprocessing = "fit"; // fitted on the training rows: in a simulation, the clients'
 * const { task, notes } = await prepareFederatedTask({ data: "synthetic" }, { private: false, mode });
 * ```
 */
export type FederatedPreprocessing = "fit" | "public";

/**
 * Prepares a federated run's data. Under DP the preprocessing is built from declared public
 * metadata when every column is declared; otherwise it is fitted, labelled as not covered by ε and
 * marked not for release (see the module comment).
 *
 * @example
 * ```ts
 * import { prepareFederatedTask } from "equipoise/federated";
 * const { task, notes } = await prepareFederatedTask({ data: "synthetic" }, { private: true });
 * for (const note of notes) console.log(note); // e.g. what the preprocessing reads and whether ε covers it
 * ```
 */
export async function prepareFederatedTask(
  request: TaskRequest,
  options: { private: boolean; mode?: string; rowsOf?: "clients" | "server" },
): Promise<{ task: PreparedTask; notes: string[] }> {
  if (options.mode !== undefined && options.mode !== "fit" && options.mode !== "public") {
    throw new UsageError(
      `--preprocessing must be fit or public for federated runs, got '${options.mode}' (private preprocessing protects rows, not clients)`,
    );
  }
  const mode = options.mode as FederatedPreprocessing | undefined;
  if (mode !== undefined || !options.private)
    return { task: await prepareTask({ ...request, preprocessing: mode ?? "fit" }), notes: [] };
  try {
    return { task: await prepareTask({ ...request, preprocessing: "public" }), notes: [] };
  } catch (error) {
    if (!(error instanceof MissingDeclarationError)) throw error;
    return {
      task: await prepareTask({ ...request, preprocessing: "fit" }),
      notes: [
        options.rowsOf === "server"
          ? `preprocessing: fitted on the server's own rows (${error.message}); the clients' epsilon does not cover the server's data`
          : `preprocessing: fitted on the clients' rows (${error.message}); NOT covered by epsilon, the model is NOT for release`,
      ],
    };
  }
}

/** Whether a task's encoding was computed from its training rows (the clients', in a simulation). */
export function preprocessingReadsRows(task: PreparedTask): boolean {
  return task.preprocessing?.dataDependent === true;
}
