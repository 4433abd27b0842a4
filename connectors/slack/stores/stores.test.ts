import { FakeEngine } from '../test-support/fake-engine';
import { EngineSlackInstallationStore, InMemorySlackInstallationStore, type SlackInstallation } from './installation.store';
import { InMemorySlackMessageStore } from './message.store';
import { InMemorySeenStore } from './seen.store';

const install = (teamId = 'T1'): SlackInstallation => ({
  teamId,
  teamName: 'Acme',
  enterpriseId: null,
  appId: 'A1',
  botToken: 'xoxb-1',
  botId: 'B1',
  botUserId: 'U1',
  scopes: ['chat:write'],
  installerUserId: 'U9',
  installedAt: '2025-06-01T00:00:00.000Z',
});

describe('InMemorySeenStore', () => {
  it('says first time once per key, again after the TTL', async () => {
    let now = 0;
    const seen = new InMemorySeenStore(1000, () => now);
    expect(await seen.firstSeen('event:E1')).toBe(true);
    expect(await seen.firstSeen('event:E1')).toBe(false);
    expect(await seen.firstSeen('event:E2')).toBe(true);
    now = 1001;
    expect(await seen.firstSeen('event:E1')).toBe(true);
    // Expired entries are swept, so memory stays bounded.
    expect(seen.size).toBe(1);
  });
});

describe('InMemorySlackMessageStore', () => {
  it('finds a message by conversation and by channel + ts, and forgets it', async () => {
    const store = new InMemorySlackMessageStore();
    const ref = { tenantId: 't1', conversationId: 'c1', channel: 'C1', ts: '1.1' };
    await store.save(ref);
    expect(await store.get('t1', 'c1')).toEqual(ref);
    expect(await store.get('t2', 'c1')).toBeNull();
    expect(await store.findByTs('t1', 'C1', '1.1')).toEqual(ref);
    expect(await store.findByTs('t2', 'C1', '1.1')).toBeNull();
    await store.save({ ...ref, ts: '2.2' });
    expect(await store.findByTs('t1', 'C1', '1.1')).toBeNull();
    expect(await store.saveIfAbsent({ ...ref, ts: '3.3' })).toEqual({ ...ref, ts: '2.2' });
    await store.delete('t1', 'c1');
    expect(await store.get('t1', 'c1')).toBeNull();
    expect(await store.findByTs('t1', 'C1', '2.2')).toBeNull();
    expect(await store.saveIfAbsent({ ...ref, ts: '3.3' })).toEqual({ ...ref, ts: '3.3' });
    expect(await store.claimRender('t1', 'c1', 4)).toBe(true);
    expect(await store.claimRender('t1', 'c1', 3)).toBe(false);
    expect(await store.claimRender('t1', 'c1', 4)).toBe(true);
    expect(await store.claimRender('t1', 'other', 1)).toBe(true);
  });
});

describe.each([
  ['in memory', () => new InMemorySlackInstallationStore()],
  ['engine-backed', () => new EngineSlackInstallationStore(new FakeEngine())],
])('%s installation store', (_name, make) => {
  it('saves per tenant and finds by team and tenant; delete forgets the workspace', async () => {
    const store = make();
    await store.save('t1', install('T1'));
    await store.save('t2', install('T2'));
    expect(await store.findByTeam('T1')).toEqual({ tenantId: 't1', teamId: 'T1', installation: install('T1') });
    expect((await store.findByTenant('t2'))?.teamId).toBe('T2');
    expect(await store.findByTeam('T3')).toBeNull();
    await store.delete('T1');
    expect(await store.findByTeam('T1')).toBeNull();
    expect((await store.findByTenant('t2'))?.installation?.botToken).toBe('xoxb-1');
  });
});

describe('EngineSlackInstallationStore', () => {
  it('keeps the tenant settings already in the slack integration record', async () => {
    const engine = new FakeEngine();
    await engine.integrations.put('t1', 'slack', { externalId: null, config: { channelId: 'C42', threadRepliesSendToLead: true }, enabled: true });
    await new EngineSlackInstallationStore(engine).save('t1', install('T1'));
    const record = await engine.integrations.get('t1', 'slack');
    expect(record).toMatchObject({ externalId: 'T1', enabled: true, config: { channelId: 'C42', threadRepliesSendToLead: true, installation: install('T1') } });
    expect(await engine.integrations.findTenant('slack', 'T1')).toBe('t1');
  });
});

describe('InMemorySlackMessageStore post attempts', () => {
  it('returns the attempt made before, keeps its first and latest time per channel, and concludes it on save or endPost', async () => {
    const messages = new InMemorySlackMessageStore();
    const t0 = new Date('2026-06-02T16:00:00.000Z');
    const t1 = new Date('2026-06-02T16:02:00.000Z');
    expect(await messages.beginPost('t1', 'c1', 'C1', t0)).toBeNull();
    expect(await messages.beginPost('t1', 'c1', 'C1', t1)).toEqual({ channel: 'C1', at: t0, lastAt: t0 });
    // An earlier clock does not move the latest time back.
    expect(await messages.beginPost('t1', 'c1', 'C1', new Date(t1.getTime() - 30_000))).toEqual({ channel: 'C1', at: t0, lastAt: t1 });
    expect(await messages.beginPost('t1', 'c1', 'C2', t1)).toEqual({ channel: 'C1', at: t0, lastAt: t1 });
    expect(await messages.beginPost('t1', 'c1', 'C2', t1)).toEqual({ channel: 'C2', at: t1, lastAt: t1 });
    expect(await messages.beginPost('t2', 'c1', 'C2', t1)).toBeNull();
    await messages.saveIfAbsent({ tenantId: 't1', conversationId: 'c1', channel: 'C2', ts: '1.1' });
    expect(await messages.beginPost('t1', 'c1', 'C2', t1)).toBeNull();
    await messages.endPost('t1', 'c1');
    expect(await messages.beginPost('t1', 'c1', 'C2', t1)).toBeNull();
  });
});
