/**
 * The study worker's side of the trial workers (the browser's counterpart of
 * src/explore/pool.ts): one channel per trial worker, one trial at a time on each.
 */
import type { TrialData, TrialSettings } from "../../../src/explore/trial.js";
import type { Configuration } from "../../../src/search/index.js";
import type { BackendPreference } from "./backend-choice.js";
import type { TrialRun, TrialRunner } from "./explorer.js";
import type { TrialWorkerReply, TrialWorkerRequest } from "./messages.js";

interface Job {
  id: number;
  config: Configuration;
  seed: number;
  resolve(result: TrialRun): void;
  reject(error: Error): void;
}

interface Lane {
  port: MessagePort;
  job: Job | null;
}

export class WebTrialRunner implements TrialRunner {
  private lanes: Lane[] = [];
  private queue: Job[] = [];
  private nextId = 0;

  constructor(private readonly ports: MessagePort[]) {}

  async start(
    data: TrialData,
    settings: TrialSettings,
    count: number,
    backend: BackendPreference,
  ): Promise<{ backend: string; reason: string }[]> {
    const ports = this.ports.slice(0, Math.max(1, count));
    if (ports.length === 0) throw new Error("no trial worker was started");
    const started = await Promise.all(
      ports.map(
        (port) =>
          new Promise<{ lane: Lane; backend: string; reason: string }>((resolve, reject) => {
            const lane: Lane = { port, job: null };
            port.onmessage = (event: MessageEvent<TrialWorkerReply>) => {
              const reply = event.data;
              if (reply.kind === "ready") {
                port.onmessage = (next: MessageEvent<TrialWorkerReply>) => this.reply(lane, next.data);
                resolve({ lane, backend: reply.backend, reason: reply.reason });
              } else if (reply.kind === "setup-failed")
                reject(new Error(`a trial worker failed to start: ${reply.message}`));
            };
            const setup: TrialWorkerRequest = { kind: "setup", data, settings, backend };
            port.postMessage(setup);
          }),
      ),
    );
    this.lanes = started.map((s) => s.lane);
    this.dispatch();
    return started.map(({ lane: _, ...chosen }) => chosen);
  }

  run(config: Configuration, seed: number): Promise<TrialRun> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, config, seed, resolve, reject });
      this.dispatch();
    });
  }

  close(): void {
    for (const lane of this.lanes) {
      lane.job?.reject(new Error("the trial workers were stopped"));
      lane.job = null;
    }
    for (const job of this.queue.splice(0)) job.reject(new Error("the trial workers were stopped"));
  }

  private dispatch(): void {
    for (const lane of this.lanes) {
      if (lane.job || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      lane.job = job;
      const request: TrialWorkerRequest = { kind: "trial", id: job.id, config: job.config, seed: job.seed };
      lane.port.postMessage(request);
    }
  }

  private reply(lane: Lane, reply: TrialWorkerReply): void {
    const job = lane.job;
    lane.job = null;
    if (job && reply.kind === "result" && reply.id === job.id)
      job.resolve({ outcome: reply.outcome, backend: reply.backend });
    else if (job && reply.kind === "error" && reply.id === job.id) job.reject(new Error(reply.message));
    this.dispatch();
  }
}
