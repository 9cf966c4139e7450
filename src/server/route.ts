/**
 * One declaration per API route: its path, its schemas and its handler. The app
 * (app.ts) registers it and validates every input against its schemas; the
 * OpenAPI description (openapi.ts) is generated from the same declaration, so the
 * two can never disagree.
 */
import type { Context } from "hono";
import type { z } from "zod";

/** What a route answers: JSON, server-sent events, or a file. */
export type RouteResponse =
  | { kind: "json"; schema: z.ZodType; status?: 200 | 201 | 202 }
  | { kind: "events"; schema: z.ZodType; description: string }
  | { kind: "file"; mediaType: string; description: string };

/** What a route's handler receives: parsed parameters, query and body. */
export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  request: Request;
  context: Context;
}

/** One API route: method, path, schemas and handler; the OpenAPI document is generated from these. */
export interface Route<P = unknown, Q = unknown, B = unknown> {
  method: "get" | "post";
  /** OpenAPI style: /api/studies/{id}. */
  path: string;
  summary: string;
  tag: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  /** A JSON body checked by this schema, or a raw body streamed to the handler (uploads). */
  body?: { kind: "json"; schema: z.ZodType<B> } | { kind: "raw"; mediaType: string; description: string };
  response: RouteResponse;
  /** Returns the JSON document (serialised with the shared codec) or a ready Response. */
  handle(input: RouteInput<P, Q, B>): Promise<unknown> | unknown;
}

export function defineRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  route: Route<P, Q, B>,
): Route {
  return route as unknown as Route;
}

/** /api/studies/{id} → /api/studies/:id (Hono's syntax). */
export function honoPath(path: string): string {
  return path.replace(/\{([A-Za-z_]+)\}/g, ":$1");
}
