/**
 * Reading request bodies within a limit. The limit is enforced on the bytes
 * actually received, not on the Content-Length a client claims (a chunked body has
 * none), and the stream is cancelled as soon as it is passed.
 */
import type { z } from "zod";
import { formatBytes } from "./datasets.js";
import { HttpError } from "./http-error.js";

export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, "the request body is not valid UTF-8");
  }
}

/** A JSON body, parsed and checked by `schema`; every failure is a 4xx naming what is wrong. */
export async function readJsonBody<T>(request: Request, schema: z.ZodType<T>, maxBytes: number): Promise<T> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, "send the request body as application/json");
  }
  const text = await readBodyText(request, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `the request body is not valid JSON (${(error as Error).message})`);
  }
  return validate(schema, value, "body");
}

/** `value` checked by `schema`; a failure is a 400 naming the first bad field. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.length ? `${where}.${issue.path.join(".")}` : where;
  throw new HttpError(400, `${path}: ${issue?.message ?? "invalid"}`);
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `the request body is larger than the limit of ${formatBytes(maxBytes)}`);
}
