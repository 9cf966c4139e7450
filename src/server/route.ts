/**
 * One declaration per API route: its path, its schemas and its handler. The app
 * (app.ts) registers it and validates every input against its schemas; the
 * OpenAPI description (openapi.ts) is generated from the same declaration, so the
 * two can never disagree.
 */
import type { Context } from "hono";
import type { z } from "zod";

/**
 * What a route answers: JSON, server-sent events, or a file.
 *
 * @example
 * ```ts
 * import type { RouteResponse } from "equipoise/server";
 * import { studyViewSchema } from "equipoise/server";
 * const json: RouteResponse = { kind: "json", schema: studyViewSchema };
 * const report: RouteResponse = { kind: "file", mediaType: "text/html", description: "the study's HTML report" };
 * ```
 */
export type RouteResponse =
  | { kind: "json"; schema: z.ZodType; status?: 200 | 201 | 202 }
  | { kind: "events"; schema: z.ZodType; description: string }
  | { kind: "file"; mediaType: string; description: string };

/**
 * What a route's handler receives: parsed parameters, query and body.
 *
 * @example
 * ```ts
 * import type { RouteInput } from "equipoise/server";
 * // what a handler of GET /api/studies/{id} receives: its params parsed by the route's schema
 * const handle = ({ params }: RouteInput<{ id: string }, Record<string, never>, undefined>) => ({ id: params.id });
 * ```
 */
export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  request: Request;
  context: Context;
}

/**
 * One API route: method, path, schemas and handler; the OpenAPI document is generated from these.
 *
 * @example
 * ```ts
 * import { healthSchema, openApiDocument, type Route, SERVER_VERSION } from "equipoise/server";
 * const health: Route = {
 *   method: "get", path: "/api/health", summary: "what this server is", tag: "server",
 *   response: { kind: "json", schema: healthSchema },
 *   handle: () => ({ name: "equipoise", version: SERVER_VERSION, tokenRequired: false, jobKinds: [] }),
 * };
 * const spec = openApiDocument([health], SERVER_VERSION, false); // the OpenAPI description of this route
 * ```
 */
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
