/**
 * Who may talk to the server. On the loopback address (127.0.0.1, ::1, localhost)
 * only this machine's users can connect, so no token is asked; any other address
 * (a LAN interface, 0.0.0.0, or even 127.0.0.2, which we treat as "not the usual
 * local address" on purpose) needs a token, checked on every request.
 *
 * Tokens are compared in constant time: both sides are hashed with SHA-256 first,
 * so the comparison is over equal-length digests and `timingSafeEqual` leaks
 * neither the position of the first differing byte nor the token's length.
 *
 * The browser gets the token once, in the URL printed at start (`/?token=…`, as
 * Jupyter does); the server answers with an HttpOnly, SameSite=Strict cookie, so
 * the page's own requests (scripts, API calls, event streams) carry it without the
 * token ever being readable by a script.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const TOKEN_COOKIE = "equipoise_token";

const LOOPBACK_NAMES = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * True for the addresses that need no token.
 *
 * @example
 * ```ts
 * import { isLocalHost } from "equipoise/server";
 * isLocalHost("127.0.0.1"); // true: no token needed
 * isLocalHost("0.0.0.0"); // false: every interface, so the server needs a token
 * ```
 */
export function isLocalHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase().replace(/^\[|\]$/g, ""));
}

/**
 * 32 random bytes as URL-safe base64 (256 bits).
 *
 * @example
 * ```ts
 * import { generateToken } from "equipoise/server";
 * const token = generateToken(); // 43 URL-safe base64 characters (256 bits)
 * ```
 */
export function generateToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Constant-time comparison of a presented token with the expected one.
 *
 * @example
 * ```ts
 * import { generateToken, tokenMatches } from "equipoise/server";
 * const token = generateToken();
 * tokenMatches(token, token); // true, compared in constant time
 * tokenMatches(null, token); // false: no token presented
 * ```
 */
export function tokenMatches(presented: string | undefined | null, expected: string): boolean {
  if (typeof presented !== "string" || presented.length === 0) return false;
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}

/** A token given by the user must be hard to guess. */
export function checkTokenStrength(token: string): string | null {
  if (token.length < 16) return "the token must be at least 16 characters long";
  if (!/^[\x21-\x7e]+$/.test(token)) return "the token must be printable ASCII without spaces";
  return null;
}

/** The token a request presents: `Authorization: Bearer …`, the cookie, or `?token=`. */
export function presentedToken(request: Request): { token: string | null; fromQuery: boolean } {
  const header = request.headers.get("authorization");
  const bearer = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  if (bearer) return { token: bearer, fromQuery: false };
  const cookie = cookieValue(request.headers.get("cookie"), TOKEN_COOKIE);
  if (cookie) return { token: cookie, fromQuery: false };
  const query = new URL(request.url).searchParams.get("token");
  return { token: query, fromQuery: query !== null };
}

function cookieValue(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

/**
 * The host names a request may carry in its Host header. Without a token, a
 * DNS-rebinding page (evil.example resolving to 127.0.0.1) would otherwise read the
 * API from the user's browser: the Host header still says evil.example, so it is
 * refused. With a token the token is the protection, and any host name is allowed.
 */
export function hostAllowed(hostHeader: string | null, boundHost: string): boolean {
  if (!hostHeader) return false;
  const name = hostHeader.replace(/:\d+$/, "").toLowerCase();
  return isLocalHost(name) || name === boundHost.toLowerCase().replace(/^\[|\]$/g, "");
}
