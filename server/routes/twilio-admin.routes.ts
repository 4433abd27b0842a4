import express, { Router } from 'express';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';
import { TandemError, type Engine } from '../../core/index';
import type { RouteModule } from '../app';
import type { TandemConfig } from '../config';
import { requestActor, requireApiKey } from '../http/auth';
import { parseBody } from '../http/validate';

/** Exported for the OpenAPI document, which describes the body from this schema. */
export const connectBody = z
  .object({
    accountSid: z.string().regex(/^AC[0-9a-f]{32}$/, 'An Account SID starts with AC followed by 32 hex characters'),
    authToken: z.string().regex(/^[0-9a-f]{32}$/, 'An auth token is 32 hex characters (Console → Account info)'),
    messagingServiceSid: z.string().regex(/^MG[0-9a-f]{32}$/, 'A Messaging Service SID starts with MG followed by 32 hex characters').nullable().optional(),
    fromNumber: z.string().nullable().optional(),
    /** The tenant's Twilio numbers: inbound texts to them are routed to this tenant. */
    numbers: z.array(z.string()).min(1, 'List at least one Twilio number that leads text').max(50),
    enabled: z.boolean().default(true),
  })
  .strict()
  .refine((b) => b.messagingServiceSid || b.fromNumber, { message: 'Give a messagingServiceSid or a fromNumber to send from', path: ['fromNumber'] });

function toE164(value: string, field: string): string {
  const parsed = parsePhoneNumberFromString(value, 'US');
  if (!parsed?.isValid()) throw new TandemError('request.invalid', 'Some fields are missing or not valid', 422, { fields: { [field]: `${value.slice(0, 3)}… is not a valid phone number` } });
  return parsed.number;
}

/** Twilio answers 401 for a wrong SID/token pair: check before storing anything. */
async function checkCredentials(baseUrl: string, accountSid: string, authToken: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}/2010-04-01/Accounts/${accountSid}.json`, {
      headers: { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    throw new TandemError('twilio.unavailable', 'Twilio could not be reached to check these credentials; try again', 502);
  }
  if (res.status === 401 || res.status === 404) {
    throw new TandemError('twilio.credentials_invalid', 'Twilio refused this Account SID and auth token', 422, { fields: { authToken: 'Twilio refused this Account SID and auth token' } });
  }
  if (!res.ok) throw new TandemError('twilio.unavailable', `Twilio answered ${res.status} while checking these credentials; try again`, 502);
}

/**
 * Connects a tenant's Twilio account: `PUT /api/v1/integrations/twilio` (admin) checks the credentials
 * with Twilio, stores them sealed, and claims the tenant's numbers for inbound routing; the answer names
 * the webhook URLs to set on each number (or its Messaging Service). `GET` shows the connection.
 * `DELETE` (admin) disconnects: the sealed credentials are deleted and the numbers freed, so texts to them
 * no longer reach the tenant (another workspace may then connect them) and the tenant's sends go to the
 * fallback provider (none outside the embedded default and demo mode: they fail `no_provider`).
 */
export function twilioAdminRoutes(engine: Engine, config: TandemConfig): Router {
  const r = Router();
  const webhooks = {
    incomingMessageUrl: `${config.publicUrl}/webhooks/twilio/sms`,
    statusCallbackUrl: `${config.publicUrl}/webhooks/twilio/status`,
    method: 'POST',
  };
  const numbersOf = (tenantId: string) =>
    engine.store.tenant(tenantId, (m) => m.query(`SELECT e164 FROM phone_numbers WHERE provider = 'twilio' ORDER BY e164`)) as Promise<Array<{ e164: string }>>;

  r.get('/integrations/twilio', requireApiKey(engine, 'viewer'), async (req, res) => {
    const tenantId = req.principal!.tenantId;
    const integration = await engine.integrations.get(tenantId, 'twilio');
    const c = (integration?.config ?? {}) as { messagingServiceSid?: string | null; fromNumber?: string | null };
    res.json({
      twilio: integration
        ? { connected: true, enabled: integration.enabled, accountSid: integration.externalId, messagingServiceSid: c.messagingServiceSid ?? null, fromNumber: c.fromNumber ?? null, numbers: (await numbersOf(tenantId)).map((n) => n.e164) }
        : { connected: false },
      webhooks,
    });
  });

  r.put('/integrations/twilio', express.json({ limit: '16kb' }), requireApiKey(engine, 'admin'), async (req, res) => {
    const tenantId = req.principal!.tenantId;
    const body = parseBody(connectBody, req.body);
    const numbers = body.numbers.map((n, i) => toE164(n, `numbers.${i}`));
    const fromNumber = body.fromNumber ? toE164(body.fromNumber, 'fromNumber') : null;
    const actor = requestActor(req);
    // Sending or paused: a workspace that paused its account still holds it.
    const owner = await engine.integrations.claimedBy('twilio', body.accountSid);
    if (owner && owner !== tenantId) {
      throw new TandemError('twilio.account_in_use', 'This Twilio account is connected to another Tandem workspace. Disconnect it there first, then connect it here.', 409);
    }
    const taken = await engine.store.system((m) => m.query(`SELECT e164 FROM phone_numbers WHERE e164 = ANY($1) AND tenant_id <> $2`, [numbers, tenantId])) as Array<{ e164: string }>;
    if (taken.length > 0) throw new TandemError('twilio.number_in_use', 'A number is already routed to another Tandem workspace', 409, { numbers: taken.map((t) => t.e164) });
    await checkCredentials(config.env.TWILIO_API_BASE_URL ?? 'https://api.twilio.com', body.accountSid, body.authToken);

    // Audited (who, the account SID, whether it sends) with the connection, in its transaction.
    await engine.integrations.put(
      tenantId,
      'twilio',
      {
        externalId: body.accountSid,
        enabled: body.enabled,
        config: { accountSid: body.accountSid, authToken: body.authToken, messagingServiceSid: body.messagingServiceSid ?? null, fromNumber },
      },
      actor,
    );
    await engine.store.tenant(tenantId, async (m) => {
      await m.query(`DELETE FROM phone_numbers WHERE provider = 'twilio' AND NOT (e164 = ANY($1))`, [numbers]);
      for (const e164 of numbers) {
        await m.query(`INSERT INTO phone_numbers (tenant_id, e164, provider) VALUES ($1, $2, 'twilio') ON CONFLICT (e164) DO NOTHING`, [tenantId, e164]);
      }
      // A number another workspace claimed since the check above was skipped by ON CONFLICT (and is not visible
      // here): refuse rather than answer with a number that would not route here.
      const ours = new Set(((await m.query(`SELECT e164 FROM phone_numbers WHERE e164 = ANY($1)`, [numbers])) as Array<{ e164: string }>).map((r) => r.e164));
      const lost = numbers.filter((n) => !ours.has(n));
      if (lost.length > 0) throw new TandemError('twilio.number_in_use', 'A number is already routed to another Tandem workspace', 409, { numbers: lost });
    });
    res.json({ twilio: { connected: true, enabled: body.enabled, accountSid: body.accountSid, messagingServiceSid: body.messagingServiceSid ?? null, fromNumber, numbers }, webhooks });
  });

  r.delete('/integrations/twilio', requireApiKey(engine, 'admin'), async (req, res) => {
    const was = await engine.integrations.disconnect(req.principal!.tenantId, 'twilio', requestActor(req));
    if (!was) throw new TandemError('integration.not_connected', 'Twilio is not connected to this workspace', 404);
    res.json({ twilio: { connected: false }, webhooks });
  });
  return r;
}

export const twilioAdminRouteModule: RouteModule = ({ api, engine, config }) => {
  api.use(twilioAdminRoutes(engine, config));
};
