/** Raw HTTP for the server tests: any method, path (unnormalised), headers and body, on loopback only. */
import { request } from "node:http";
import { type JobDoc, jobDocSchema } from "../../src/server/index.js";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function raw(
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  const base = new URL(url);
  if (!["127.0.0.1", "127.0.0.2", "localhost", "[::1]"].includes(base.hostname)) {
    throw new Error(`tests talk to loopback only, not ${base.hostname}`);
  }
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        method: options.method ?? "GET",
        path: options.path ?? base.pathname + base.search,
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** Reads server-sent events from `url` until `until` returns true for the events seen (or the timeout). */
export async function readEvents(
  url: string,
  until: (events: { event: string; data: unknown }[]) => boolean,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<{ event: string; data: unknown }[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: { event: string; data: unknown }[] = [];
  try {
    const response = await fetch(url, { signal: controller.signal, headers });
    if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`);
    const decoder = new TextDecoder();
    let buffer = "";
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = block
          .split("\n")
          .filter((line) => line.startsWith("data: "))
          .map((line) => line.slice(6))
          .join("\n");
        if (event) events.push({ event, data: JSON.parse(data) });
        end = buffer.indexOf("\n\n");
      }
      if (until(events)) break;
    }
  } catch (error) {
    if ((error as Error).name !== "AbortError") throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

/** POSTs a JSON body; returns the status and the parsed answer. */
export async function postJson(
  url: string,
  path: string,
  body: unknown,
): Promise<{ status: number; json: { error?: string } & Record<string, unknown> }> {
  const response = await raw(url, {
    method: "POST",
    path,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: JSON.parse(response.body) };
}

/** Follows a job's event stream until it ends; returns its last state. */
export async function jobFinished(url: string, id: string, timeoutMs = 300_000): Promise<JobDoc> {
  const events = await readEvents(
    new URL(`/api/jobs/${id}/events`, url).href,
    (seen) => {
      const last = seen.at(-1)?.data as { state?: string } | undefined;
      return last !== undefined && ["succeeded", "failed", "cancelled"].includes(last.state ?? "");
    },
    timeoutMs,
  );
  return jobDocSchema.parse(events.at(-1)!.data);
}
