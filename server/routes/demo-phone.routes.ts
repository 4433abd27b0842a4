import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import { z } from 'zod';
import type { Engine, SimulatedPhoneBook } from '../../core/index';
import type { RouteModule } from '../app';
import { requireApiKey } from '../http/auth';
import { parseBody } from '../http/validate';

const body = z.object({
  from: z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 phone number, e.g. +14155550142'),
  body: z.string().min(1).max(1600),
});

/**
 * The simulated phone (demo mode only): a reply typed in the console enters through exactly the same
 * inbound path as a Twilio webhook, keywords and AI turn included.
 */
export function demoPhoneRoutes(engine: Engine, phoneBook: SimulatedPhoneBook | null): Router {
  const r = Router();
  // What the simulated phone shows, for a lead of this tenant only (the phone book itself is process-wide).
  r.get('/demo/phone/messages', requireApiKey(engine, 'viewer'), async (req, res) => {
    const phone = typeof req.query.phone === 'string' ? req.query.phone : '';
    if (!/^\+[1-9]\d{6,14}$/.test(phone)) {
      return res.status(422).json({ error: { code: 'request.invalid', message: 'phone must be E.164', details: { fields: { phone: 'an E.164 phone number' } } } });
    }
    const view = await engine.conversations.viewForLead(req.principal!.tenantId, { phone });
    res.json({ messages: view && phoneBook ? phoneBook.messagesFor(phone) : [] });
  });
  r.post('/demo/phone/messages', requireApiKey(engine, 'agent'), express.json({ limit: '16kb' }), async (req, res) => {
    const input = parseBody(body, req.body);
    const tenantId = req.principal!.tenantId;
    const number = await engine.messaging.numberFor(tenantId);
    phoneBook?.recordReply(input.from, input.body, number);
    const result = await engine.messaging.receive({
      tenantId,
      from: input.from,
      to: number,
      body: input.body,
      providerMessageId: `SM${randomUUID().replace(/-/g, '')}`,
      provider: 'console',
    });
    res.status(201).json({ messageId: result.messageId, conversationId: result.conversationId, keyword: result.keyword });
  });
  return r;
}

/** Mounts the simulated phone in demo mode, sharing the console provider's phone book. */
export function demoPhoneRouteModuleWith(phoneBook: SimulatedPhoneBook | null): RouteModule {
  return ({ api, engine, config }) => {
    if (config.demo) api.use(demoPhoneRoutes(engine, phoneBook));
  };
}
