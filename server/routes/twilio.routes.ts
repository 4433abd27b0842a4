import express, { Router, type Request } from 'express';
import { parseTwilioStatusCallback, verifyTwilioSignature, type Engine } from '../../core/index';
import type { RouteModule } from '../app';
import type { TandemConfig } from '../config';
import { sendError } from '../http/errors';

export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

type Params = Record<string, string>;

/**
 * Verifies a Twilio webhook against the tenant's auth token and the public URL Twilio posted to.
 * Returns the tenant, or null (the caller answers 403; nothing is stored for a request that fails).
 * The route is remembered for a few seconds per process, so a signed request that fails against it asks the
 * database once more before it is refused: another API process may just have stored a rotated auth token or
 * connected the number, and Twilio does not send a refused text again.
 */
async function verified(engine: Engine, config: TandemConfig, req: Request, numbers: Array<string | undefined>): Promise<string | null> {
  const params = (req.body ?? {}) as Params;
  const url = `${config.publicUrl}${req.originalUrl}`;
  const signature = req.header('x-twilio-signature');
  const tenantOf = (route: { tenantId: string; authToken: string } | null) =>
    route && verifyTwilioSignature({ authToken: route.authToken, url, params, signature }) ? route.tenantId : null;
  const remembered = tenantOf(await engine.messaging.twilioRoute(numbers, params.AccountSid));
  if (remembered || !signature) return remembered;
  return tenantOf(await engine.messaging.twilioRoute(numbers, params.AccountSid, { fresh: true }));
}

/**
 * Twilio webhooks: inbound texts and delivery status callbacks. Both answer empty TwiML at once; the inbound
 * transaction stores the text (idempotent on MessageSid) and leaves the AI turn to a job.
 */
export function twilioRoutes(engine: Engine, config: TandemConfig): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 });
  const twiml = (res: express.Response) => res.status(200).type('text/xml').send(EMPTY_TWIML);

  r.post('/webhooks/twilio/sms', form, async (req, res) => {
    const params = (req.body ?? {}) as Params;
    const tenantId = await verified(engine, config, req, [params.To]);
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
    const tenantId = await verified(engine, config, req, [params.From, params.To]);
    if (!tenantId) return sendError(res, 403, 'webhook.invalid_signature', 'X-Twilio-Signature is missing or does not match');
    const update = parseTwilioStatusCallback(params);
    if (update) await engine.messaging.recordStatus(tenantId, { providerMessageId: update.providerMessageId, status: update.status, errorCode: update.errorCode });
    twiml(res);
  });
  return r;
}

export const twilioRouteModule: RouteModule = ({ app, engine, config }) => {
  app.use(twilioRoutes(engine, config));
};
