/**
 * Loading time of prepareTask per dataset (the whole path: read and decompress the
 * files, parse, clean, split, build the preprocessor, build X, hash the data for the
 * fingerprint). Adult is loaded by every training trial, so its time matters most; it is
 * also measured with public and private preprocessing, and its fingerprint alone.
 * Median of several runs in one process (the first, cold run is reported separately).
 * Wall and CPU time: other processes on a shared machine inflate the wall time.
 */
import { fileURLToPath } from "node:url";
import { adultSource } from "../src/data/datasets/adult.js";
import { indicesWhere, prepareTask, type TaskRequest, tabularFingerprint } from "../src/data/index.js";
import { secureGaussianNoise } from "../src/privacy/noise.js";
import { privatePreprocessing } from "../src/privacy/private-preprocessing.js";
import { writeResults } from "./machine.js";

const dataDir = fileURLToPath(new URL("../../shared/datasets", import.meta.url));
const fitPrivately = privatePreprocessing({ noise: secureGaussianNoise() });
const cases: { request: TaskRequest; runs: number; label?: string }[] = [
  { request: { data: "adult" }, runs: 7 },
  { request: { data: "adult", preprocessing: "public" }, runs: 7, label: "adult (public)" },
  { request: { data: "adult", preprocessing: "private", fitPrivately }, runs: 7, label: "adult (private)" },
  { request: { data: "german-credit" }, runs: 7 },
  { request: { data: "compas", dataDir }, runs: 7 },
  { request: { data: "synthetic" }, runs: 7 },
  { request: { data: "fashion-mnist", dataDir }, runs: 3 },
];

const results = [];
for (const { request, runs, label } of cases) {
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let shape = "";
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const task = await prepareTask(request);
    times.push(performance.now() - start);
    const cpu = process.cpuUsage(cpuStart);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
    shape = `${task.train.X.rows}+${task.test.X.rows} x ${task.train.X.cols}`;
  }
  const median = (values: number[]) => {
    const warm = values.slice(1).sort((a, b) => a - b);
    return Math.round(warm[Math.floor(warm.length / 2)]);
  };
  const result = {
    dataset: label ?? request.data,
    shape,
    coldMs: Math.round(times[0]),
    medianMs: median(times),
    /** CPU time (user + system, may exceed wall time when gunzip or GC run on other threads). */
    medianCpuMs: median(cpuTimes),
    runs,
  };
  results.push(result);
  console.log(
    `${result.dataset.padEnd(22)} ${shape.padEnd(22)} cold ${result.coldMs} ms, median ${result.medianMs} ms (CPU ${result.medianCpuMs} ms)`,
  );
}
// The fingerprint alone: SHA-256 by Web Crypto of Adult's raw feature values, labels and groups.
{
  const source = adultSource();
  const mask = source.testRows!;
  const train = source.table.selectRows(indicesWhere(mask.map((v) => 1 - v)));
  const test = source.table.selectRows(indicesWhere(mask));
  const features = source.features!;
  const times: number[] = [];
  for (let run = 0; run < 7; run++) {
    const start = performance.now();
    await tabularFingerprint({
      seed: 0,
      target: "income",
      classNames: ["<=50K", ">50K"],
      features,
      parts: [
        { name: "train", table: train, y: new Float32Array(train.rows), sensitive: [] },
        { name: "test", table: test, y: new Float32Array(test.rows), sensitive: [] },
      ],
    });
    times.push(performance.now() - start);
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  const result = {
    dataset: "adult fingerprint only",
    coldMs: Math.round(times[0]),
    medianMs: Math.round(warm[3]),
    runs: 7,
  };
  results.push(result as (typeof results)[number]);
  console.log(`${result.dataset.padEnd(22)} cold ${result.coldMs} ms, median ${result.medianMs} ms`);
}
console.log(`results: ${writeResults("data", results)}`);
