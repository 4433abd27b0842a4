import express, { Router, type Request } from 'express';
import { checkTwilioSignature, parseTwilioStatusCallback, TWILIO_SIGNATURE_SETTINGS_HEADER, type Engine, type Logger, type TwilioRoute } from '../../core/index';
import type { RouteModule } from '../app';
import type { TandemConfig } from '../config';
import { sendError } from '../http/errors';

export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

type Params = Record<string, string>;

/** How long a warning about a signing key the connection does not hold stays quiet for that tenant and key. */
export const UNKNOWN_KEY_WARNING_EVERY_MS = 10 * 60_000;

/**
 * Says once per tenant and key id per `everyMs` (per process) that Twilio signs with a key the connection does
 * not hold: a Webhook Rule can send hundreds of such webhooks a second. The key id comes from the request, so
 * at most `maxKeys` ids are remembered (a flood of made-up ids is said once, then dropped until the window passes).
 */
export function unknownKeyWarner(logger: Pick<Logger, 'warn'>, everyMs = UNKNOWN_KEY_WARNING_EVERY_MS, maxKeys = 1_000) {
  const said = new Map<string, number>();
  return (tenantId: string, keyId: string | null, now = Date.now()) => {
    // Only the id's own characters, cut short: it is the sender's text.
    const shown = keyId === null ? null : keyId.replace(/[^\w.-]/g, '?').slice(0, 80);
    const key = `${tenantId}|${shown ?? ''}`;
    const last = said.get(key);
    if (last !== undefined && now - last < everyMs) return;
    if (last === undefined && said.size >= maxKeys) {
      for (const [k, at] of said) if (now - at >= everyMs) said.delete(k);
      if (said.size >= maxKeys) return;
    }
    said.set(key, now);
    logger.warn(
      { tenantId, signingKeyId: shown },
      shown === null
        ? 'twilio webhook refused: Twilio signed it with a SharedKey (X-Twilio-Webhooks-Signature-Settings) but this Twilio connection holds no webhook signing key; add the key id and secret in the console (Integrations → Twilio → Webhook signing keys) or PUT /api/v1/integrations/twilio webhookSigningKeys'
        : `twilio webhook refused: Twilio signed it with SharedKey ${shown}, which this Twilio connection does not hold; add its id and secret in the console (Integrations → Twilio → Webhook signing keys) or PUT /api/v1/integrations/twilio webhookSigningKeys`,
    );
  };
}

/**
 * Verifies a Twilio webhook against the tenant's auth token, or, when Twilio signed it with a SharedKey (the
 * settings header), against that key as the connection holds it, and the public URL Twilio posted to.
 * Returns the tenant, or null (the caller answers 403; nothing is stored for a request that fails).
 * The route is remembered for a few seconds per process, so a signed request that fails against it asks the
 * database once more before it is refused: another API process may just have stored a rotated auth token or
 * signing key, or connected the number, and Twilio does not send a refused text again.
 */
async function verified(
  engine: Engine,
  config: TandemConfig,
  req: Request,
  numbers: Array<string | undefined>,
  warnUnknownKey: ReturnType<typeof unknownKeyWarner>,
): Promise<string | null> {
  const params = (req.body ?? {}) as Params;
  const url = `${config.publicUrl}${req.originalUrl}`;
  const signature = req.header('x-twilio-signature');
  const signatureSettings = req.header(TWILIO_SIGNATURE_SETTINGS_HEADER);
  const check = (route: TwilioRoute | null) =>
    route ? checkTwilioSignature({ authToken: route.authToken, sharedKeys: route.signingKeys, signatureSettings, url, params, signature }) : null;
  const remembered = await engine.messaging.twilioRoute(numbers, params.AccountSid);
  if (check(remembered)?.valid) return remembered!.tenantId;
  if (!signature) return null;
  const fresh = await engine.messaging.twilioRoute(numbers, params.AccountSid, { fresh: true });
  const result = check(fresh);
  if (!fresh || !result) return null;
  if (result.valid) return fresh.tenantId;
  if (result.reason === 'unknown_key') warnUnknownKey(fresh.tenantId, result.keyId);
  return null;
}

/**
 * Twilio webhooks: inbound texts and delivery status callbacks. Both answer empty TwiML at once; the inbound
 * transaction stores the text (idempotent on MessageSid) and leaves the AI turn to a job.
 */
export function twilioRoutes(engine: Engine, config: TandemConfig, logger: Pick<Logger, 'warn'> = engine.logger): Router {
  const r = Router();
  const warnUnknownKey = unknownKeyWarner(logger);
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 });
  const twiml = (res: express.Response) => res.status(200).type('text/xml').send(EMPTY_TWIML);

  r.post('/webhooks/twilio/sms', form, async (req, res) => {
    const params = (req.body ?? {}) as Params;
    const tenantId = await verified(engine, config, req, [params.To], warnUnknownKey);
    if (!tenantId) return sendError(res, 403, 'webhook.invalid_signature', 'X-Twilio-Signature is missing or does not match');
    const sid = params.MessageSid ?? params.SmsSid;
    if (!sid || !params.From || typeof params.Body !== 'string') {
      return sendError(res, 400, 'webhook.invalid', 'MessageSid, From and Body are required');
    }
    await engine.messaging.receive({ tenantId, from: params.From, to: params.To ?? null, body: params.Body, providerMessageId: sid, provider: 'twilio' });
    twiml(res);
  });

  r.post('/webhooks/twilio/status', form, async (req, res) => {
    const params = (req.body ?? {}) as Params;
    const tenantId = await verified(engine, config, req, [params.From, params.To], warnUnknownKey);
    if (!tenantId) return sendError(res, 403, 'webhook.invalid_signature', 'X-Twilio-Signature is missing or does not match');
    const update = parseTwilioStatusCallback(params);
    if (update) await engine.messaging.recordStatus(tenantId, { providerMessageId: update.providerMessageId, status: update.status, errorCode: update.errorCode });
    twiml(res);
  });
  return r;
}

export const twilioRouteModule: RouteModule = ({ app, engine, config, logger }) => {
  app.use(twilioRoutes(engine, config, logger));
};
