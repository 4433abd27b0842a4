import type { Actor } from '../domain/types';
import { TandemError } from '../errors/tandem-error';
import type { ApiPrincipal } from '../tenants/api-key.service';

/**
 * The surface an API request acts from, for the audit log: `X-Tandem-Surface: console` when the console
 * says so; anything else acting through the API (server routes and connector admin routes alike) is `api`.
 */
export function surfaceOf(header: string | undefined): 'api' | 'console' {
  if (header === undefined || header === '' || header === 'api') return 'api';
  if (header === 'console') return 'console';
  throw new TandemError('request.invalid', 'X-Tandem-Surface must be "api" or "console"', 422, { fields: { 'X-Tandem-Surface': 'api or console' } });
}

/**
 * Who acts through an API request, for the audit log: the key's person (or, for a key of no one, the key's
 * name) and the surface named by the request's `X-Tandem-Surface` header.
 */
export function actorOf(principal: Pick<ApiPrincipal, 'agentId' | 'name'>, surfaceHeader: string | undefined): Actor {
  return { agentId: principal.agentId, name: principal.name, surface: surfaceOf(surfaceHeader) };
}
