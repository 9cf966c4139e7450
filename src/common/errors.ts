/**
 * Errors a user can cause and fix. The CLI turns them into one line on stderr and
 * an exit code, in one place (`describeError` in src/cli/main.ts): a UsageError
 * exits 2, any other UserError 1. Anything else is a bug: one line saying
 * "internal error", its stack trace behind EQUIPOISE_DEBUG=1.
 */
export class UserError extends Error {
  override name = "UserError";
}

/** A malformed command line: exit code 2. */
export class UsageError extends UserError {
  override name = "UsageError";
}

/** Input data that cannot be read or does not match what was asked for. */
export class DataError extends UserError {
  override name = "DataError";
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
