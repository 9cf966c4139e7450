/**
 * Server-sent events: a stream a page keeps open to hear about changes (a trial
 * finished, a job moved on). Each stream ends when the client goes away or the
 * server closes; a comment every 15 s keeps proxies from closing an idle one.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { toJson } from "../common/json.js";

export type SendEvent = (event: string, data: unknown) => Promise<void>;

const KEEP_ALIVE_MS = 15_000;

export class EventStreams {
  private readonly open = new Set<AbortController>();

  /**
   * Answers with an event stream. `start` sends the first events and returns a
   * cleanup (to stop polling or listening) called when the stream ends.
   */
  respond(
    c: Context,
    start: (send: SendEvent, signal: AbortSignal) => Promise<() => void> | (() => void),
  ): Response {
    const controller = new AbortController();
    this.open.add(controller);
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => controller.abort());
      const send: SendEvent = async (event, data) => {
        if (!controller.signal.aborted) await stream.writeSSE({ event, data: toJson(data) });
      };
      let cleanup: (() => void) | undefined;
      try {
        cleanup = await start(send, controller.signal);
        while (!controller.signal.aborted) {
          await sleep(KEEP_ALIVE_MS, controller.signal);
          if (!controller.signal.aborted) await stream.write(": keep-alive\n\n");
        }
      } finally {
        cleanup?.();
        this.open.delete(controller);
      }
    });
  }

  /** Ends every open stream (the server is closing). */
  closeAll(): void {
    for (const controller of this.open) controller.abort();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Calls `check` every `intervalMs` until `signal` aborts; errors are passed to
 * `onError` rather than ending the stream. Returns the function that stops it.
 */
export function poll(
  check: () => Promise<void>,
  intervalMs: number,
  onError: (error: unknown) => void,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    if (stopped) return;
    try {
      await check();
    } catch (error) {
      onError(error);
    }
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };
  timer = setTimeout(tick, intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
