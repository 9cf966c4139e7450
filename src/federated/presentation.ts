/**
 * Text for people: one progress line per round and the closing summary, shared by the
 * simulation and the server; and the model file of a federated run (an ordinary
 * Equipoise model file, so `evaluate`, `audit` and `explain` read it).
 */
import type { PreparedTask, TaskRequest } from "../data/index.js";
import { parseRecipe } from "../fit/recipe.js";
import { type Architecture, type ModelFile, modelToJSON, Sequential } from "../nn/index.js";
import { describeAggregator } from "./aggregators.js";
import { localRecipe, modelShape } from "./local-training.js";
import type { FederatedReport, RoundRecord } from "./report.js";
import { describeServerOptimizer } from "./server-optimizer.js";
import { unflatten } from "./vectors.js";

export function formatEpsilon(epsilon: number): string {
  return Number.isFinite(epsilon) ? epsilon.toPrecision(3) : "∞";
}

export function formatRound(record: RoundRecord, rounds: number): string {
  const e = record.evaluation;
  const parts = [
    `round ${record.round}/${rounds}`,
    `accuracy ${e.accuracy.toFixed(4)}`,
    `ε ${formatEpsilon(record.epsilon)}`,
    `${record.included}/${record.sampled} clients`,
  ];
  const gap = e.fairness[0];
  if (gap) parts.push(`DP gap ${gap.demographicParityDifference.toFixed(3)}`);
  if (Number.isFinite(record.clientAccuracy.min))
    parts.push(`worst client ${record.clientAccuracy.min.toFixed(3)}`);
  if (e.backdoorSuccess !== undefined) parts.push(`backdoor ${(100 * e.backdoorSuccess).toFixed(1)} %`);
  if (record.aborted) parts.push(`ABORTED: ${record.aborted}`);
  parts.push(`${record.seconds.toFixed(1)} s`);
  return parts.join(" · ");
}

export function summaryLines(report: FederatedReport): string[] {
  const { config, final, privacy } = report;
  const lines = [
    `${report.data.name}: ${config.clients} clients, ${report.rounds.length} rounds, ${config.model} (${report.parameters} parameters), ${describeServerOptimizer(config.server)}, aggregate ${describeAggregator(config.aggregator)}${config.secure ? `, secure aggregation (${config.secure.graph})` : ""}`,
    `final test accuracy ${final.accuracy.toFixed(4)}, loss ${final.loss.toFixed(4)}`,
    privacy.private
      ? `privacy: ε = ${formatEpsilon(privacy.epsilon)} at δ = ${privacy.delta} (${privacy.mode} client-level DP, σ = ${privacy.noise}, C = ${privacy.clip}, q = ${privacy.sampleRate}, ${privacy.accountant ?? "DDG"} accounting)${privacy.epsilonAgainstServer !== undefined ? `; against the server ε = ${formatEpsilon(privacy.epsilonAgainstServer)}` : ""}${privacy.suitableForRelease ? "" : " — seeded noise, NOT for release"}`
      : "privacy: none (ε = ∞)",
  ];
  for (const gap of final.fairness) {
    lines.push(
      `fairness by ${gap.attribute}: demographic parity difference ${gap.demographicParityDifference.toFixed(4)}, equalized odds difference ${gap.equalizedOddsDifference.toFixed(4)}`,
    );
  }
  for (const group of final.groups) {
    lines.push(
      `  ${group.attribute}=${group.group}: ${group.count} rows, accuracy ${group.accuracy.toFixed(4)}${group.selectionRate !== undefined ? `, selection rate ${group.selectionRate.toFixed(4)}` : ""}`,
    );
  }
  const last = report.rounds[report.rounds.length - 1];
  if (Number.isFinite(last.clientAccuracy.min)) {
    lines.push(
      `clients: accuracy of the global model on their own rows from ${last.clientAccuracy.min.toFixed(4)} to ${last.clientAccuracy.max.toFixed(4)} (mean ${last.clientAccuracy.mean.toFixed(4)})`,
    );
  }
  if (final.backdoorSuccess !== undefined)
    lines.push(`backdoor success on triggered test rows: ${(100 * final.backdoorSuccess).toFixed(1)} %`);
  const aborted = report.rounds.filter((r) => r.aborted).length;
  if (aborted > 0) lines.push(`${aborted} round(s) aborted (the model was kept as it was)`);
  if (privacy.notCovered.length > 0) lines.push(`not covered by ε: ${privacy.notCovered.join("; ")}`);
  return lines;
}

/**
 * The final global model as an Equipoise model file, with the run's settings and privacy in its metadata.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { data, toJson } from "equipoise";
 * import { modelDocument, simulateFederated } from "equipoise/federated";
 * const request = { data: "synthetic" };
 * const task = await data.prepareTask(request);
 * const result = await simulateFederated(task, { model: "logreg", clients: 5, rounds: 3, local: { epochs: 1, batchSize: 32, learningRate: 0.1 } });
 * writeFileSync("federated-model.json", toJson(modelDocument(result, task, request))); // `evaluate` reads it
 * ```
 */
export function modelDocument(
  result: { report: FederatedReport; weights: Float32Array; architecture: Architecture },
  task: PreparedTask,
  request: TaskRequest,
): ModelFile {
  const shape = modelShape(result.report.config.model, task.train.X.cols, task.numClasses);
  const privacy = result.report.privacy;
  const model = new Sequential(result.architecture, unflatten(result.weights, shape.sizes));
  try {
    const { config } = result.report;
    return modelToJSON(model, {
      spec: config.model,
      recipe: parseRecipe(localRecipe(config.model, config.local, config.seed)),
      preprocessor: task.preprocessor.toJSON(),
      metadata: {
        data: {
          ...request,
          dataDir: undefined,
          name: task.name,
          target: task.target,
          positiveLabel: task.positiveLabel,
          classNames: task.classNames,
        },
        featureNames: task.featureNames,
        training: {
          federated: result.report.config,
          mode: result.report.mode,
          rounds: result.report.rounds.length,
        },
        test: { accuracy: result.report.final.accuracy, loss: result.report.final.loss },
        epsilon: result.report.privacy.epsilon,
        ...(privacy.private
          ? {
              // The fields `evaluate` prints for any private model, plus what is federated about it.
              privacy: {
                epsilon: privacy.epsilon,
                delta: privacy.delta,
                accountant:
                  privacy.mode === "distributed" ? "distributed discrete Gaussian (RDP)" : privacy.accountant,
                noise: privacy.noise,
                clip: privacy.clip,
                sampleRate: privacy.sampleRate,
                steps: result.report.rounds.length,
                noiseSource: privacy.noiseSource,
                suitableForRelease: privacy.suitableForRelease,
                level: "client",
                federated: privacy,
              },
            }
          : {}),
      },
    });
  } finally {
    model.dispose();
  }
}
