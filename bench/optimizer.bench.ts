/**
 * The cost of an Adam step on the audit protocol's MLP (104-64-64-1: six parameter
 * tensors, 10.9k values), by update path: tensor ops (~12 per parameter tensor, each
 * paying tfjs' dispatch) against one host-memory loop per tensor (the default on WASM
 * and CPU); and a whole training step (forward, backward, update; 2,000 rows, batch
 * 128) for Adam and SGD. Passes alternate so that a load change weighs on both paths.
 */
import * as tf from "@tensorflow/tfjs-core";
import { buildModel, initBackend } from "../src/nn/index.js";
import { createOptimizer } from "../src/train/optimizers.js";
import { trainModel } from "../src/train/trainer.js";
import { writeResults } from "./machine.js";

await initBackend("wasm");
const cpuMs = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

const shapes = [[104, 64], [64], [64, 64], [64], [64, 1], [1]];
const updateSteps = 2000;
const update: Record<string, number[]> = { "tensor-ops": [], "host-memory": [] };
for (let pass = 0; pass < 3; pass++) {
  for (const path of ["tensor-ops", "host-memory"] as const) {
    const optimizer = createOptimizer({ kind: "adam", learningRate: 1e-3 }, Number.POSITIVE_INFINITY, path);
    let parameters = shapes.map((shape) => tf.randomNormal(shape));
    const gradients = shapes.map((shape) => tf.randomNormal(shape));
    const start = process.cpuUsage();
    for (let i = 0; i < updateSteps; i++) {
      const next = optimizer.step(parameters, gradients);
      tf.dispose(parameters);
      parameters = next;
    }
    update[path].push(cpuMs(start) / updateSteps);
    tf.dispose([...parameters, ...gradients]);
    optimizer.dispose();
  }
}

const rows = 2000;
const cols = 104;
const X = new Float32Array(rows * cols);
const y = new Float32Array(rows);
let state = 1;
const uniform = () => (state = (state * 16807) % 2147483647) / 2147483647;
for (let i = 0; i < X.length; i++) X[i] = uniform() < 0.2 ? 1 : 0;
for (let i = 0; i < rows; i++) y[i] = uniform() < 0.3 ? 1 : 0;
const step: Record<string, number[]> = { adam: [], sgd: [] };
for (let pass = 0; pass < 3; pass++) {
  for (const kind of ["adam", "sgd"] as const) {
    const model = buildModel("mlp:64,64", [cols], 2, 1);
    const start = process.cpuUsage();
    const result = trainModel(
      model,
      { X: { rows, cols, data: X }, y },
      { epochs: 10, batchSize: 128, seed: 1, optimizer: { kind, learningRate: 1e-3 } },
    );
    step[kind].push(cpuMs(start) / result.steps);
    model.dispose();
  }
}

const best = (values: number[]) => Math.min(...values);
for (const [path, values] of Object.entries(update))
  console.log(
    `Adam update, ${path}: best ${best(values).toFixed(3)} ms of CPU per step (${values.map((v) => v.toFixed(3)).join(", ")})`,
  );
for (const [kind, values] of Object.entries(step))
  console.log(
    `training step, ${kind}: best ${best(values).toFixed(3)} ms of CPU (${values.map((v) => v.toFixed(3)).join(", ")})`,
  );
writeResults("optimizer", { updateMsPerStep: update, trainingStepMs: step });
