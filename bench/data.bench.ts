/**
 * Loading time of prepareTask per dataset (the whole path: read and decompress the
 * files, parse, clean, split, fit the preprocessor, build X). Adult is loaded by every
 * training trial, so its time matters most. Median of several runs in one process
 * (the first, cold run is reported separately). Wall and CPU time: other processes on a
 * shared machine inflate the wall time.
 */
import { fileURLToPath } from "node:url";
import { prepareTask, type TaskRequest } from "../src/data/index.js";
import { writeResults } from "./machine.js";

const dataDir = fileURLToPath(new URL("../../shared/datasets", import.meta.url));
const cases: { request: TaskRequest; runs: number }[] = [
  { request: { data: "adult" }, runs: 7 },
  { request: { data: "german-credit" }, runs: 7 },
  { request: { data: "compas", dataDir }, runs: 7 },
  { request: { data: "synthetic" }, runs: 7 },
  { request: { data: "fashion-mnist", dataDir }, runs: 3 },
];

const results = [];
for (const { request, runs } of cases) {
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
    dataset: request.data,
    shape,
    coldMs: Math.round(times[0]),
    medianMs: median(times),
    /** CPU time (user + system, may exceed wall time when gunzip or GC run on other threads). */
    medianCpuMs: median(cpuTimes),
    runs,
  };
  results.push(result);
  console.log(
    `${result.dataset.padEnd(14)} ${shape.padEnd(22)} cold ${result.coldMs} ms, median ${result.medianMs} ms (CPU ${result.medianCpuMs} ms)`,
  );
}
console.log(`results: ${writeResults("data", results)}`);
