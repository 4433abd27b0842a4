import { TandemError } from '../../core/index';

/** `X-Tandem-Surface`: the console says so; anything else acting through the API is `api`. */
export function surfaceOf(header: string | undefined): 'api' | 'console' {
  if (header === undefined || header === '' || header === 'api') return 'api';
  if (header === 'console') return 'console';
  throw new TandemError('request.invalid', 'X-Tandem-Surface must be "api" or "console"', 422, { fields: { 'X-Tandem-Surface': 'api or console' } });
}
