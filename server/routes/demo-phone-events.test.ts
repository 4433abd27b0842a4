import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { SimulatedPhoneBook, type Engine } from '../../core/index';
import { createTenant, eventually, fakeClock, messagesOf, openTestEngine } from '../../core/conversations/test-support/engine-harness';
import { createApp } from '../app';
import { composeWith, consoleProviderFor } from '../compose';
import { loadConfig } from '../config';
import { Metrics } from '../http/metrics';
import { conversationsRouteModule } from './conversations.routes';
import { demoPhoneRouteModuleWith } from './demo-phone.routes';
import { eventsRouteModule } from './events.routes';

describe('simulated phone and live events (console provider, no Twilio)', () => {
  let engine: Engine;
  let close: () => Promise<void>;
  let app: Express;
  let server: http.Server;
  let t: Awaited<ReturnType<typeof createTenant>>;
  let other: Awaited<ReturnType<typeof createTenant>>;
  const phones = new SimulatedPhoneBook();

  beforeAll(async () => {
    // Noon in New York: the reply to the 212 number is due at once, not held for the morning by quiet hours.
    ({ engine, close } = await openTestEngine({ clock: fakeClock('2026-06-02T16:00:00Z') }));
    const config = loadConfig({ PUBLIC_URL: 'https://tandem.example.com', TANDEM_DEMO: 'on', TANDEM_SECRET_KEY: 'b'.repeat(64), LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv);
    composeWith(config, consoleProviderFor(engine, config, phones))(engine);
    t = await createTenant(engine, {
      name: 'Demo Realty',
      number: '+12125550300',
      settings: { autonomy: 'autopilot', knowledge: [{ id: 'hours', title: 'Office hours', body: 'Our office hours are 9am to 6pm, Monday to Saturday.' }] },
    });
    other = await createTenant(engine, { name: 'Elsewhere' });
    app = await createApp({
      engine,
      config,
      logger: pino({ level: 'silent' }),
      metrics: new Metrics({ queue: async () => 0, outbox: async () => 0 }),
      routes: [conversationsRouteModule, eventsRouteModule, demoPhoneRouteModuleWith(phones)],
    });
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    await engine.start('all');
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await close();
  });

  /** Opens the SSE stream and collects its raw text. */
  function openStream(key: string) {
    const port = (server.address() as AddressInfo).port;
    let text = '';
    const req = http.get({ host: '127.0.0.1', port, path: '/api/v1/events', headers: { Authorization: `Bearer ${key}` }, agent: false });
    const ready = new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    void ready.then((res) => res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8'))));
    req.on('error', () => undefined);
    return { ready, text: () => text, close: () => req.destroy() };
  }

  it('answers a text typed on the simulated phone in autopilot: the reply lands on the phone and is marked delivered', async () => {
    const mine = openStream(t.agentKey);
    const theirs = openStream(other.agentKey);
    try {
      const res = await mine.ready;
      expect(res.headers['content-type']).toMatch(/text\/event-stream/);
      await theirs.ready;
      const sent = await request(app).post('/api/v1/demo/phone/messages').set('Authorization', `Bearer ${t.agentKey}`).send({ from: '+12125550301', body: 'What are your office hours?' });
      expect(sent.status).toBe(201);
      const reply = await eventually(() => phones.messagesFor('+12125550301').find((x) => x.direction === 'to_phone'));
      expect(reply.body).toMatch(/9am to 6pm/);
      expect(reply.counterpart).toBe('+12125550300');
      const out = await eventually(async () => (await messagesOf(engine, t.tenantId, sent.body.conversationId)).find((x) => x.direction === 'out' && x.status === 'delivered'));
      expect(out.author).toBe('ai');
      const shown = await request(app).get('/api/v1/demo/phone/messages?phone=%2B12125550301').set('Authorization', `Bearer ${t.agentKey}`);
      expect(shown.body.messages.map((x: { direction: string }) => x.direction)).toEqual(['from_phone', 'to_phone']);
      // Another tenant cannot read this phone.
      const foreign = await request(app).get('/api/v1/demo/phone/messages?phone=%2B12125550301').set('Authorization', `Bearer ${other.agentKey}`);
      expect(foreign.body.messages).toEqual([]);
      await eventually(() => mine.text().includes(`event: message.received`) && mine.text().includes(sent.body.conversationId));
      expect(theirs.text()).not.toContain(sent.body.conversationId);
    } finally {
      mine.close();
      theirs.close();
    }
  });

  it('refuses the event stream without an API key', async () => {
    const res = await request(app).get('/api/v1/events');
    expect(res.status).toBe(401);
  });
});
