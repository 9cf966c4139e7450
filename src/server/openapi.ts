/**
 * The OpenAPI 3.1 description of the API, generated from the route declarations
 * and their zod schemas (zod's `toJSONSchema`, input side: what travels on the
 * wire). Named schemas (`.meta({ id })`) become components; everything else is
 * inlined where it is used.
 */
import { z } from "zod";
import { errorSchema } from "./documents.js";
import type { Route } from "./route.js";

type JsonSchema = Record<string, unknown>;

/**
 * The OpenAPI 3.1 description of the given routes, generated from their zod schemas (wire side).
 * Served by a running server at `/api/openapi.json`.
 *
 * @example
 * ```ts
 * import { startServer } from "equipoise/server";
 * const server = await startServer({ port: 0, workDir: "work" });
 * const spec = await (await fetch(new URL("/api/openapi.json", server.url))).json();
 * await server.close();
 * ```
 */
export function openApiDocument(routes: readonly Route[], version: string, tokenRequired: boolean) {
  const components: Record<string, JsonSchema> = {};
  const schemaOf = (schema: z.ZodType): JsonSchema =>
    hoist(z.toJSONSchema(schema, { io: "input" }), components);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters = [
      ...objectParameters(route.params, "path", schemaOf),
      ...objectParameters(route.query, "query", schemaOf),
    ];
    const operation: Record<string, unknown> = {
      summary: route.summary,
      tags: [route.tag],
      operationId: operationId(route),
      ...(parameters.length > 0 ? { parameters } : {}),
      responses: {
        [String(route.response.kind === "json" ? (route.response.status ?? 200) : 200)]: responseOf(
          route,
          schemaOf,
        ),
        "4XX": { description: "a mistake in the request, in one line", content: json(schemaOf(errorSchema)) },
      },
    };
    if (route.body?.kind === "json") {
      operation.requestBody = { required: true, content: json(schemaOf(route.body.schema)) };
    } else if (route.body?.kind === "raw") {
      operation.requestBody = {
        required: true,
        description: route.body.description,
        content: { [route.body.mediaType]: { schema: { type: "string" } } },
      };
    }
    paths[route.path] = { ...paths[route.path], [route.method]: operation };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Equipoise dashboard API",
      version,
      description:
        'Studies of the accuracy × privacy × fairness trade-off, their trials, and long jobs. Numbers JSON cannot carry are strings: +∞ is "Infinity"; an undefined rate (NaN) is null.',
    },
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        token: { type: "http", scheme: "bearer", description: "the token printed by `equipoise serve`" },
      },
    },
    ...(tokenRequired ? { security: [{ token: [] }] } : {}),
  };
}

function json(schema: JsonSchema) {
  return { "application/json": { schema } };
}

function responseOf(route: Route, schemaOf: (schema: z.ZodType) => JsonSchema) {
  const response = route.response;
  if (response.kind === "json") return { description: "OK", content: json(schemaOf(response.schema)) };
  if (response.kind === "file") {
    return {
      description: response.description,
      content: { [response.mediaType]: { schema: { type: "string" } } },
    };
  }
  return {
    description: `server-sent events (${response.description}); each event's data is this JSON document`,
    content: { "text/event-stream": { schema: schemaOf(response.schema) } },
  };
}

function objectParameters(
  schema: z.ZodType | undefined,
  where: "path" | "query",
  schemaOf: (schema: z.ZodType) => JsonSchema,
) {
  if (!schema) return [];
  const converted = schemaOf(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(converted.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (converted.required ?? []).includes(name),
    schema: property,
  }));
}

function operationId(route: Route): string {
  const words = route.path
    .replace(/^\/api\//, "")
    .replace(/\.html$/, "Html")
    .split(/[/{}.-]+/)
    .filter(Boolean);
  return [route.method, ...words].map((w, i) => (i === 0 ? w : w[0].toUpperCase() + w.slice(1))).join("");
}

/** Moves a converted schema's $defs into the components and points its references there. */
function hoist(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  const rewritten = JSON.parse(
    JSON.stringify(schema).replaceAll('"#/$defs/', '"#/components/schemas/'),
  ) as JsonSchema & { $defs?: Record<string, JsonSchema>; $schema?: string; id?: string };
  for (const [name, definition] of Object.entries(rewritten.$defs ?? {})) components[name] = definition;
  delete rewritten.$defs;
  delete rewritten.$schema;
  // A named schema converted on its own is a reference to itself.
  return rewritten;
}
