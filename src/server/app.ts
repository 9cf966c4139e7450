/**
 * The HTTP application: security checks first, for every route (API, events and
 * the dashboard's files alike), then the API routes, the OpenAPI document and the
 * dashboard. Errors become one JSON line with a 4xx status; a bug is a 500 that
 * says "internal error" and the server goes on serving.
 *
 * Security, in order:
 * - Host header: without a token, only loopback names are served (a DNS-rebinding
 *   page cannot read the API through the user's browser).
 * - Token: on a non-loopback bind, every request presents the token (header,
 *   cookie, or ?token= once), compared in constant time; otherwise 401.
 * - Cross-origin writes: a POST whose Origin is not this server is refused; no
 *   CORS headers are ever sent, so other origins cannot read any answer.
 * - Bodies: JSON only where JSON is expected (415 otherwise), size-limited (413),
 *   checked against the route's schema (400 naming the field).
 */

import type { Context } from "hono";
import { Hono } from "hono";
import { UserError } from "../common/errors.js";
import { toJson } from "../common/json.js";
import { hostAllowed, presentedToken, TOKEN_COOKIE, tokenMatches } from "./auth.js";
import { readJsonBody, validate } from "./body.js";
import type { ServerContext } from "./context.js";
import { HttpError } from "./http-error.js";
import { openApiDocument } from "./openapi.js";
import { honoPath, type Route } from "./route.js";
import { apiRoutes } from "./routes.js";
import { serveDashboardFile } from "./static-files.js";

export interface AppSecurity {
  /** The host the server is bound to (for the Host check). */
  host: string;
  /** When set, every request must present it. */
  token: string | null;
}

/**
 * The dashboard's own pages: scripts and styles from this server only; WASM for the in-browser explorer.
 *
 * @example
 * ```ts
 * import { DASHBOARD_CSP } from "equipoise/server";
 * // the Content-Security-Policy header of every dashboard page: "default-src 'self'; script-src 'self' …"
 * DASHBOARD_CSP.split("; ").find((d) => d.startsWith("frame-ancestors")); // "frame-ancestors 'none'"
 * ```
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  // Plotly's WebGL parallel coordinates (parcoords) compile their shaders' wrappers with
  // new Function (regl), and the in-browser explorer compiles WebAssembly.
  "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

export function createApp(ctx: ServerContext, security: AppSecurity, webRoot: string | null): Hono {
  const app = new Hono();
  const routes = apiRoutes(ctx);

  app.use("*", async (c, next) => {
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Frame-Options", "DENY");
    c.header("Cache-Control", "no-store");
    const refusal = checkAccess(c, security);
    if (refusal) return refusal;
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && !sameOrigin(c.req.raw)) {
      return errorResponse(c, new HttpError(403, "cross-origin requests are not accepted"));
    }
    await next();
    if (!c.res.headers.has("content-security-policy"))
      c.res.headers.set("Content-Security-Policy", DASHBOARD_CSP);
  });

  for (const route of routes) register(app, route, ctx);
  app.get("/api/openapi.json", (c) =>
    c.json(openApiDocument([...routes, openApiRoute], ctx.version, ctx.tokenRequired)),
  );
  app.all("/api/*", (c) =>
    errorResponse(c, new HttpError(404, `no API route ${c.req.method} ${c.req.path}`)),
  );
  app.get("*", (c) => serveDashboardFile(c, webRoot));
  app.onError((error, c) => errorResponse(c, error));
  return app;
}

const openApiRoute: Route = {
  method: "get",
  path: "/api/openapi.json",
  summary: "this description",
  tag: "server",
  response: { kind: "file", mediaType: "application/json", description: "OpenAPI 3.1" },
  handle: () => null,
};

function register(app: Hono, route: Route, ctx: ServerContext): void {
  app.on(route.method.toUpperCase(), honoPath(route.path), async (c) => {
    const params = route.params ? validate(route.params, c.req.param(), "path") : {};
    const query = route.query ? validate(route.query, c.req.query(), "query") : {};
    const body =
      route.body?.kind === "json"
        ? await readJsonBody(c.req.raw, route.body.schema, ctx.limits.jsonBytes)
        : undefined;
    const result = await route.handle({ params, query, body, request: c.req.raw, context: c });
    if (result instanceof Response) return result;
    const status = route.response.kind === "json" ? (route.response.status ?? 200) : 200;
    return c.body(toJson(result), status, { "content-type": "application/json; charset=utf-8" });
  });
}

function checkAccess(c: Context, security: AppSecurity): Response | null {
  if (!security.token) {
    if (!hostAllowed(c.req.header("host") ?? null, security.host)) {
      return errorResponse(c, new HttpError(403, "this server answers on its loopback address only"));
    }
    return null;
  }
  const { token, fromQuery } = presentedToken(c.req.raw);
  if (!tokenMatches(token, security.token)) {
    c.header("WWW-Authenticate", 'Bearer realm="equipoise"');
    return errorResponse(
      c,
      new HttpError(401, "a token is required: open the address that 'equipoise serve' printed"),
    );
  }
  if (fromQuery) {
    // The token moves from the address bar to an HttpOnly cookie that scripts cannot read.
    c.header(
      "Set-Cookie",
      `${TOKEN_COOKIE}=${encodeURIComponent(token!)}; HttpOnly; SameSite=Strict; Path=/`,
    );
    if (c.req.method === "GET" && !c.req.path.startsWith("/api/")) {
      const url = new URL(c.req.url);
      url.searchParams.delete("token");
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
  }
  return null;
}

/** No Origin (curl, same-origin GETs) or this server's own origin. */
function sameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (origin === null) return true;
  const host = request.headers.get("host");
  try {
    return host !== null && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function errorResponse(c: Context, error: unknown): Response {
  let status = 500;
  let message = "internal error";
  if (error instanceof HttpError) {
    status = error.status;
    message = error.message;
  } else if (error instanceof UserError) {
    status = 400;
    message = error.message.split("\n")[0];
  } else {
    process.stderr.write(
      `equipoise serve: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  return c.body(JSON.stringify({ error: message }), status as 400, {
    "content-type": "application/json; charset=utf-8",
  });
}
