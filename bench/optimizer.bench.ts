/**
 * The cost of an Adam step on the audit protocol's MLP (104-64-64-1: six parameter
 * tensors, 10.9k values), by update path: tensor ops (~12 per parameter tensor, each
 * paying tfjs' dispatch) against one host-memory loop per tensor (the tensor engine's
 * default on WASM and CPU); and a whole training step (forward, backward, update; the
 * first 2,000 Adult training rows, batch 128) for Adam and SGD, by training engine:
 * the tensor engine's ops against the WebAssembly host kernels (the default for dense
 * networks). Passes alternate so that a load change weighs on every path alike.
 */
import * as tf from "@tensorflow/tfjs-core";
import { prepareTask } from "../src/data/index.js";
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

const task = await prepareTask({ data: "adult", sensitive: ["sex"] });
const rows = 2000;
const cols = task.train.X.cols;
const X = task.train.X.data.subarray(0, rows * cols);
const y = task.train.y.subarray(0, rows);
const engines = ["tensor-ops", "host-kernels"] as const;
const step: Record<string, number[]> = {};
for (let pass = 0; pass < 3; pass++) {
  for (const kind of ["adam", "sgd"] as const) {
    for (const engine of engines) {
      const model = buildModel("mlp:64,64", [cols], 2, 1);
      const start = process.cpuUsage();
      const result = trainModel(
        model,
        { X: { rows, cols, data: X }, y },
        { epochs: 10, batchSize: 128, seed: 1, optimizer: { kind, learningRate: 1e-3 }, engine },
      );
      (step[`${kind}, ${engine}`] ??= []).push(cpuMs(start) / result.steps);
      model.dispose();
    }
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
