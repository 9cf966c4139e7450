/**
 * Who takes part in a study, and when a participant counts as dead: the same rule
 * for every store. A worker is dead when it runs on this host and its process no
 * longer exists (known at once, e.g. after SIGKILL), or, on any host, when its last
 * heartbeat is older than the policy's timeout (the only evidence across machines).
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { LivenessPolicy, WorkerIdentity, WorkerRecord } from "./types.js";

/** A fresh identity for a runner in this process. */
export function newWorkerIdentity(): WorkerIdentity {
  const host = hostname();
  return { id: `${host}:${process.pid}:${randomBytes(4).toString("hex")}`, host, pid: process.pid };
}

export function isWorkerAlive(worker: WorkerRecord, now: number, policy: LivenessPolicy): boolean {
  if (worker.host === hostname() && !processExists(worker.pid)) return false;
  return now - worker.heartbeatAt <= policy.staleAfterMs;
}

function processExists(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
