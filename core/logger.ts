/** The logging shape core needs; pino satisfies it. Core never decides where logs go. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/**
 * `text` fit for a log line: each secret (and its URL-encoded form) cut out, and at most 300 characters. For
 * messages that come from elsewhere (an SDK error, a platform's answer) and might echo what was sent.
 */
export function redactSecrets(text: string, secrets: string[]): string {
  return secrets
    .filter(Boolean)
    .reduce((t, s) => [s, encodeURIComponent(s)].reduce((acc, v) => acc.split(v).join('[redacted]'), t), text)
    .slice(0, 300);
}
