/**
 * Who takes part in a study, and when a participant counts as dead: the same rule
 * for every store. A worker is dead when it runs on this host and its process no
 * longer exists (known at once, e.g. after SIGKILL), or, on any host, when its last
 * heartbeat is older than the policy's timeout (the only evidence across machines).
 */
import { hostname } from "node:os";
import type { LivenessPolicy, WorkerIdentity, WorkerRecord } from "./types.js";

/** In a browser (the in-browser explorer runs studies there) a page has no host name or pid. */
const inNode = typeof process !== "undefined" && typeof process.versions?.node === "string";

/**
 * A fresh identity for a runner in this process (in a browser: host "browser", pid 0).
 *
 * @example
 * ```ts
 * import { newWorkerIdentity } from "equipoise/search";
 * const worker = newWorkerIdentity(); // { id: "host:pid:8 hex digits", host, pid }
 * ```
 */
export function newWorkerIdentity(): WorkerIdentity {
  const host = inNode ? hostname() : "browser";
  const pid = inNode ? process.pid : 0;
  const random = globalThis.crypto.getRandomValues(new Uint8Array(4));
  const suffix = Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("");
  return { id: `${host}:${pid}:${suffix}`, host, pid };
}

/**
 * Whether a study worker is alive: its heartbeat is recent enough and, on this host, its process exists.
 *
 * @example
 * ```ts
 * import { isWorkerAlive, type StudyStore } from "equipoise/search";
 * declare const store: StudyStore; // an open study store
 * const alive = (await store.workers()).filter((w) => isWorkerAlive(w, Date.now(), { staleAfterMs: 600_000 }));
 * ```
 */
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
