import express, { Router } from 'express';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';
import { MAX_TWILIO_SIGNING_KEYS, TandemError, twilioSigningKeysOf, type Engine, type TwilioSigningKey } from '../../core/index';
import type { RouteModule } from '../app';
import type { TandemConfig } from '../config';
import { requestActor, requireApiKey } from '../http/auth';
import { parseBody } from '../http/validate';

/**
 * A Twilio SharedKey id as the settings header names it (`key=<id>`). Twilio's docs do not state the id's exact
 * form (the twilio library's examples show `webhooks_sharedkey_…`), so any token that fits in the header.
 */
const signingKeyId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'A SharedKey id (e.g. webhooks_sharedkey_…): 1 to 128 letters, digits, _ or -');
/** The secret Twilio returned when the key was made: printable, no spaces. */
const signingKeySecret = z.string().regex(/^[\x21-\x7e]{16,512}$/, 'The secret Twilio returned with the key: 16 to 512 characters, no spaces');

/**
 * SharedKeys Twilio signs webhooks with (Webhooks configuration): the one in use and, while rotating, the next.
 * A key without its secret keeps the secret stored for that id.
 */
const webhookSigningKeys = z
  .array(
    z
      .object({
        id: signingKeyId,
        secret: signingKeySecret.optional().describe("The key's secret, as Twilio returned it when the key was made. Left out: the secret stored for this id is kept."),
      })
      .strict(),
  )
  .max(MAX_TWILIO_SIGNING_KEYS, `At most ${MAX_TWILIO_SIGNING_KEYS} signing keys: the one in use and, while rotating, the next`)
  .superRefine((keys, ctx) => {
    keys.forEach((k, i) => {
      if (keys.findIndex((o) => o.id === k.id) < i) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: 'This key id is listed twice' });
    });
  })
  .describe(
    'Only needed when Twilio’s Webhooks configuration signs webhooks with a SharedKey (they then carry X-Twilio-Webhooks-Signature-Settings): ' +
      'at most 2 keys, ids unique (the key in use and, while rotating, the next). The list replaces the stored keys; [] removes them; ' +
      'left out, the stored keys are kept unless accountSid changes. Secrets are stored sealed and never shown.',
  );

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
    /** Left out: the stored keys stay (for the same account); [] removes them. */
    webhookSigningKeys: webhookSigningKeys.optional(),
  })
  .strict()
  .refine((b) => b.messagingServiceSid || b.fromNumber, { message: 'Give a messagingServiceSid or a fromNumber to send from', path: ['fromNumber'] });

function toE164(value: string, field: string): string {
  const parsed = parsePhoneNumberFromString(value, 'US');
  if (!parsed?.isValid()) throw new TandemError('request.invalid', 'Some fields are missing or not valid', 422, { fields: { [field]: `${value.slice(0, 3)}… is not a valid phone number` } });
  return parsed.number;
}

/**
 * The keys to store: the stored ones when the body leaves them out (and the account is the same: SharedKeys
 * belong to a Twilio account), else the listed ones, a key sent without its secret keeping the stored secret.
 */
function signingKeysToStore(sent: Array<{ id: string; secret?: string }> | undefined, stored: TwilioSigningKey[]): TwilioSigningKey[] {
  if (sent === undefined) return stored;
  const fields: Record<string, string> = {};
  const keys = sent.map((k, i) => {
    const secret = k.secret ?? stored.find((s) => s.id === k.id)?.secret;
    if (!secret) fields[`webhookSigningKeys.${i}.secret`] = 'Give the secret Twilio returned with this key: Tandem holds no key with this id';
    return { id: k.id, secret: secret ?? '' };
  });
  if (Object.keys(fields).length > 0) throw new TandemError('request.invalid', 'Some fields are missing or not valid', 422, { fields });
  return keys;
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
 * the webhook URLs to set on each number (or its Messaging Service), and holds the SharedKeys (at most two) that
 * Twilio's Webhooks configuration may sign webhooks with instead of the auth token. `GET` shows the connection
 * (the signing keys' ids, never a secret or the token).
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
  /** What is shown of the keys: their ids, never a secret. */
  const idsOf = (keys: TwilioSigningKey[]) => keys.map((k) => ({ id: k.id }));
  const numbersOf = (tenantId: string) =>
    engine.store.tenant(tenantId, (m) => m.query(`SELECT e164 FROM phone_numbers WHERE provider = 'twilio' ORDER BY e164`)) as Promise<Array<{ e164: string }>>;

  r.get('/integrations/twilio', requireApiKey(engine, 'viewer'), async (req, res) => {
    const tenantId = req.principal!.tenantId;
    const integration = await engine.integrations.get(tenantId, 'twilio');
    const c = (integration?.config ?? {}) as { messagingServiceSid?: string | null; fromNumber?: string | null };
    res.json({
      twilio: integration
        ? {
            connected: true,
            enabled: integration.enabled,
            accountSid: integration.externalId,
            messagingServiceSid: c.messagingServiceSid ?? null,
            fromNumber: c.fromNumber ?? null,
            numbers: (await numbersOf(tenantId)).map((n) => n.e164),
            webhookSigningKeys: idsOf(twilioSigningKeysOf(integration.config)),
          }
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
    const before = await engine.integrations.get(tenantId, 'twilio');
    const signingKeys = signingKeysToStore(body.webhookSigningKeys, before?.externalId === body.accountSid ? twilioSigningKeysOf(before.config) : []);
    await checkCredentials(config.env.TWILIO_API_BASE_URL ?? 'https://api.twilio.com', body.accountSid, body.authToken);

    // Audited (who, the account SID, whether it sends, which signing keys it holds: ids only) with the connection.
    await engine.integrations.put(
      tenantId,
      'twilio',
      {
        externalId: body.accountSid,
        enabled: body.enabled,
        config: { accountSid: body.accountSid, authToken: body.authToken, messagingServiceSid: body.messagingServiceSid ?? null, fromNumber, webhookSigningKeys: signingKeys },
      },
      actor,
      { action: 'integration.connect', data: { externalId: body.accountSid, enabled: body.enabled, webhookSigningKeyIds: signingKeys.map((k) => k.id) } },
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
    res.json({
      twilio: { connected: true, enabled: body.enabled, accountSid: body.accountSid, messagingServiceSid: body.messagingServiceSid ?? null, fromNumber, numbers, webhookSigningKeys: idsOf(signingKeys) },
      webhooks,
    });
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
