/**
 * An error with an HTTP status. Route handlers throw it (or a UserError, which is a
 * 400); the app turns either into one JSON line `{ "error": "…" }`. Anything else
 * is a bug: a 500 saying "internal error", and the server stays up.
 */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 501 | 503,
    message: string,
  ) {
    super(message);
  }
}

export function notFound(what: string): HttpError {
  return new HttpError(404, `${what} not found`);
}

export function conflict(message: string): HttpError {
  return new HttpError(409, message);
}
