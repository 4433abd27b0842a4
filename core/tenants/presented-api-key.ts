/** The cookie the local console keeps its API key in (httpOnly, SameSite=Strict), set at sign-in. */
export const SESSION_COOKIE = 'tandem_session';

/** The API key in a `Cookie` header's session cookie, or null (a malformed value is no key, not an error). */
export function sessionCookieKey(cookieHeader: string | undefined): string | null {
  const m = cookieHeader ? /(?:^|;\s*)tandem_session=([^;]+)/.exec(cookieHeader) : null;
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!) || null;
  } catch {
    return null;
  }
}

/**
 * The API key a request presents, the same way on every route (core API, console, connector admin routes):
 * `Authorization: Bearer <key>`, else `X-Api-Key`, else the console's session cookie. Null when none.
 */
export function presentedApiKey(header: (name: string) => string | undefined): string | null {
  const auth = header('authorization');
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim() || null;
  const apiKey = header('x-api-key')?.trim();
  if (apiKey) return apiKey;
  return sessionCookieKey(header('cookie'));
}
