/**
 * Cleanup on the ways a process ends other than returning: SIGINT (Ctrl-C),
 * SIGTERM (kill, a scheduler's stop) and process.exit(). Used by the runner to
 * leave a study, so that a stopped worker leaves no row behind in `workers` and its
 * running trials are retried at once instead of after the heartbeat timeout.
 * (SIGKILL cannot be caught: that case is handled by the liveness rules.)
 */

type Cleanup = () => Promise<void> | void;

const signals = ["SIGINT", "SIGTERM"] as const;

/**
 * Runs `cleanup` once if the process is signalled or exits before the returned
 * function is called. After a signal, the signal is raised again once the cleanup
 * has settled, so the process still ends as the sender intended — unless someone
 * else still listens for that signal (the application, or another runner whose
 * cleanup is not finished: the last one to finish raises it). A second signal
 * during a slow cleanup ends the process at once.
 *
 * @example
 * ```ts
 * import { onTermination, type StudyStore } from "equipoise/search";
 * declare const store: StudyStore; // an open study store
 * const stopListening = onTermination(() => store.close()); // on SIGINT/SIGTERM, close first
 * // … run the study …
 * stopListening();
 * ```
 */
export function onTermination(cleanup: Cleanup): () => void {
  // A browser page has no signals to catch (the in-browser explorer's store keeps its own state).
  if (typeof process === "undefined" || typeof process.on !== "function") return () => {};
  let done = false;
  const run = (): Promise<void> | void => {
    if (done) return;
    done = true;
    return cleanup();
  };
  const handlers = signals.map((signal) => {
    const handler = () => {
      Promise.resolve()
        .then(run)
        .catch(() => {})
        .finally(() => {
          detach();
          if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
        });
    };
    process.on(signal, handler);
    return { signal, handler };
  });
  // 'exit' handlers must be synchronous: a store whose methods run their work before
  // their first await (SQLite) completes; a networked one relies on the heartbeat.
  const onExit = () => {
    try {
      Promise.resolve(run()).catch(() => {});
    } catch {
      // exiting anyway
    }
  };
  process.on("exit", onExit);
  const detach = () => {
    for (const { signal, handler } of handlers) process.off(signal, handler);
    process.off("exit", onExit);
  };
  return detach;
}
