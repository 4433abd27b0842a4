/**
 * A failure with a namespaced code (`conversation.version_conflict`), the HTTP status it maps to,
 * and details safe to show the caller. Anything else that escapes is a 500.
 */
export class TandemError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'TandemError';
  }
}

export const notFound = (what: string, code = `${what}.not_found`) => new TandemError(code, `${capitalise(what)} not found`, 404);

export const invalid = (message: string, details: Record<string, unknown> = {}, code = 'request.invalid') =>
  new TandemError(code, message, 422, details);

export const isTandemError = (err: unknown, code?: string): err is TandemError =>
  err instanceof TandemError && (code === undefined || err.code === code);

function capitalise(s: string) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
