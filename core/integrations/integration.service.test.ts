import { randomBytes } from 'node:crypto';
import { openTestStore } from '../../test/helpers/test-store';
import type { Actor } from '../domain/types';
import type { Store } from '../store/data-source';
import { SecretBox } from '../store/secret-box';
import { one, rows } from '../store/sql';
import { IntegrationService } from './integration.service';

describe('IntegrationService: connecting, pausing and disconnecting a platform account', () => {
  let store: Store;
  let integrations: IntegrationService;
  const admin: Actor = { agentId: null, name: 'Admin key', surface: 'console' };

  beforeAll(async () => {
    store = await openTestStore();
    integrations = new IntegrationService(store, new SecretBox(randomBytes(32)));
  });
  afterAll(() => store.close());

  const newTenant = async () => (await store.system((m) => one<{ id: string }>(m, `INSERT INTO tenants (name) VALUES ('T') RETURNING id`)))!.id;
  const auditOf = (tenantId: string) =>
    store.tenant(tenantId, (m) => rows<{ action: string; entity_id: string; actor_name: string; surface: string; data: Record<string, unknown> }>(m, `SELECT action, entity_id, actor_name, surface, data FROM audit_log ORDER BY created_at, id`));
  const numbersOf = (tenantId: string) => store.tenant(tenantId, (m) => rows<{ e164: string }>(m, `SELECT e164 FROM phone_numbers ORDER BY e164`));

  it('a paused account is still claimed: another workspace sees its holder, while routing (findTenant) no longer does', async () => {
    const [a, b] = [await newTenant(), await newTenant()];
    const portalId = `portal-${randomBytes(4).toString('hex')}`;
    await integrations.put(a, 'hubspot', { externalId: portalId, enabled: true, config: { privateAppToken: 'pat-secret' } });
    expect(await integrations.claimedBy('hubspot', portalId)).toBe(a);
    expect(await integrations.findTenant('hubspot', portalId)).toBe(a);

    await integrations.put(a, 'hubspot', { externalId: portalId, enabled: false, config: { privateAppToken: 'pat-secret' } });
    expect(await integrations.findTenant('hubspot', portalId)).toBeNull();
    expect(await integrations.claimedBy('hubspot', portalId)).toBe(a);
    expect(await integrations.claimedBy('hubspot', 'another-portal')).toBeNull();
    expect(await integrations.claimedBy('salesforce', portalId)).toBeNull();
    expect(await auditOf(b)).toEqual([]);
  });

  it("an admin's connect is audited with the account id and never the config; a token refresh (no actor) is not", async () => {
    const t = await newTenant();
    await integrations.put(t, 'salesforce', { externalId: '00D000000000001AAA', enabled: true, config: { clientSecret: 'very-secret' } }, admin);
    await integrations.put(t, 'salesforce', { externalId: '00D000000000001AAA', enabled: true, config: { clientSecret: 'very-secret', accessToken: 'tok' } });
    const audit = await auditOf(t);
    expect(audit).toEqual([{ action: 'integration.connect', entity_id: 'salesforce', actor_name: 'Admin key', surface: 'console', data: { externalId: '00D000000000001AAA', enabled: true } }]);
    expect(JSON.stringify(audit)).not.toContain('very-secret');
  });

  it('disconnect deletes the connection and, for Twilio, frees its numbers for another workspace, in one audited step', async () => {
    const [a, b] = [await newTenant(), await newTenant()];
    const sid = `AC${randomBytes(16).toString('hex')}`;
    const number = `+1415555${String(Math.floor(Math.random() * 10000)).padStart(4, '0')}`;
    await integrations.put(a, 'twilio', { externalId: sid, enabled: false, config: { accountSid: sid, authToken: 'tok' } });
    await store.tenant(a, (m) => m.query(`INSERT INTO phone_numbers (tenant_id, e164, provider) VALUES ($1, $2, 'twilio')`, [a, number]));

    const was = await integrations.disconnect(a, 'twilio', admin);
    expect(was).toEqual({ kind: 'twilio', externalId: sid, enabled: false, config: { accountSid: sid, authToken: 'tok' } });
    expect(await integrations.get(a, 'twilio')).toBeNull();
    expect(await integrations.claimedBy('twilio', sid)).toBeNull();
    expect(await numbersOf(a)).toEqual([]);
    expect((await integrations.status(a)).find((s) => s.kind === 'twilio')).toMatchObject({ connected: false, enabled: false, externalId: null });
    expect(await auditOf(a)).toEqual([{ action: 'integration.disconnect', entity_id: 'twilio', actor_name: 'Admin key', surface: 'console', data: { externalId: sid } }]);

    // The number is free: another workspace can claim it.
    await store.tenant(b, (m) => m.query(`INSERT INTO phone_numbers (tenant_id, e164, provider) VALUES ($1, $2, 'twilio')`, [b, number]));
    expect(await numbersOf(b)).toEqual([{ e164: number }]);
  });

  it("audits the caller's own entry when it names one (settings changed), and tells listeners of every stored change", async () => {
    const t = await newTenant();
    const heard: string[] = [];
    integrations.onChange((kind) => heard.push(kind));
    await integrations.put(t, 'slack', { externalId: 'T0001', enabled: true, config: { botToken: 'xoxb-secret', channelId: 'C1' } }, admin, { action: 'integration.settings', data: { channelId: 'C1' } });
    expect(await auditOf(t)).toEqual([{ action: 'integration.settings', entity_id: 'slack', actor_name: 'Admin key', surface: 'console', data: { channelId: 'C1' } }]);
    await integrations.disconnect(t, 'twilio', admin);
    await integrations.disconnect(t, 'slack', admin);
    expect(heard).toEqual(['slack', 'slack']);
  });

  it('disconnecting what is not connected writes nothing and says so', async () => {
    const t = await newTenant();
    expect(await integrations.disconnect(t, 'hubspot', admin)).toBeNull();
    expect(await auditOf(t)).toEqual([]);
  });
});
