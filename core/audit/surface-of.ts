import { TandemError } from '../errors/tandem-error';

/**
 * The surface an API request acts from, for the audit log: `X-Tandem-Surface: console` when the console
 * says so; anything else acting through the API (server routes and connector admin routes alike) is `api`.
 */
export function surfaceOf(header: string | undefined): 'api' | 'console' {
  if (header === undefined || header === '' || header === 'api') return 'api';
  if (header === 'console') return 'console';
  throw new TandemError('request.invalid', 'X-Tandem-Surface must be "api" or "console"', 422, { fields: { 'X-Tandem-Surface': 'api or console' } });
}
