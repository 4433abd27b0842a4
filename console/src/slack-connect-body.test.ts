import { ApiError } from './api';
import { canDisconnect, disconnectedMessage, mentionText, slackNotConfigured, slackSettingsBody, slackValuesOf, type SlackSettings } from './slack-connect-body';

const stored: SlackSettings = {
  mode: 'single_workspace',
  connected: true,
  enabled: true,
  teamId: 'T0HOPPER',
  channelId: null,
  threadRepliesSendToLead: false,
  escalationMention: 'here',
  installUrl: null,
};

describe('slackValuesOf', () => {
  it('fills the form from the stored settings, no channel as an empty field', () => {
    expect(slackValuesOf(stored)).toEqual({ channelId: '', threadRepliesSendToLead: false, escalationMention: 'here', enabled: true });
    expect(slackValuesOf({ ...stored, channelId: 'C0LEADS01', threadRepliesSendToLead: true, escalationMention: 'none', enabled: false })).toEqual({
      channelId: 'C0LEADS01',
      threadRepliesSendToLead: true,
      escalationMention: 'none',
      enabled: false,
    });
  });
});

describe('slackSettingsBody', () => {
  it('sends every setting, the channel id trimmed', () => {
    expect(slackSettingsBody({ channelId: ' C0LEADS01\n', threadRepliesSendToLead: true, escalationMention: 'channel', enabled: false })).toEqual({
      channelId: 'C0LEADS01',
      threadRepliesSendToLead: true,
      escalationMention: 'channel',
      enabled: false,
    });
  });

  it('sends an empty channel as null (the server’s default channel), and anything else as typed for the server to judge', () => {
    expect(slackSettingsBody({ ...slackValuesOf(stored), channelId: '   ' }).channelId).toBeNull();
    expect(slackSettingsBody({ ...slackValuesOf(stored), channelId: '#leads' }).channelId).toBe('#leads');
  });

  it('round-trips what the server stored', () => {
    const s = { ...stored, channelId: 'G0PRIVATE1', threadRepliesSendToLead: true, escalationMention: 'none' as const };
    expect(slackSettingsBody(slackValuesOf(s))).toEqual({ channelId: 'G0PRIVATE1', threadRepliesSendToLead: true, escalationMention: 'none', enabled: true });
  });
});

describe('slackNotConfigured', () => {
  it('is true for the connector’s 503 and for a server with no Slack route', () => {
    expect(slackNotConfigured(new ApiError(503, 'slack.not_configured', 'Slack is not configured on this server'))).toBe(true);
    expect(slackNotConfigured(new ApiError(404, 'route.not_found', 'No route for GET /api/v1/integrations/slack'))).toBe(true);
  });

  it('is false for anything else: a refused key, a bad request, the network', () => {
    expect(slackNotConfigured(new ApiError(401, 'auth.invalid_api_key', 'This API key is not valid'))).toBe(false);
    expect(slackNotConfigured(new ApiError(422, 'request.invalid', 'The Slack settings are not valid'))).toBe(false);
    expect(slackNotConfigured(new ApiError(0, 'network', 'The server cannot be reached.'))).toBe(false);
    expect(slackNotConfigured(null)).toBe(false);
  });

  it('is false for the disconnect’s own 404 (nothing was connected) and its 409 (single workspace)', () => {
    expect(slackNotConfigured(new ApiError(404, 'integration.not_connected', 'Slack is not connected to this workspace'))).toBe(false);
    expect(slackNotConfigured(new ApiError(409, 'slack.single_workspace', 'This server connects Slack with its own bot token'))).toBe(false);
  });
});

describe('canDisconnect', () => {
  const oauth: SlackSettings = { ...stored, mode: 'oauth', installUrl: 'https://tandem.test/slack/install?tenant=x' };
  it('offers Disconnect in OAuth mode when connected, or paused with a workspace on record', () => {
    expect(canDisconnect(oauth)).toBe(true);
    expect(canDisconnect({ ...oauth, connected: false, enabled: false })).toBe(true);
  });

  it('not before a workspace is added, nor on a single-workspace server', () => {
    expect(canDisconnect({ ...oauth, connected: false, teamId: null })).toBe(false);
    expect(canDisconnect({ ...oauth, connected: false, enabled: false, teamId: null })).toBe(false);
    expect(canDisconnect({ ...oauth, connected: false, enabled: true })).toBe(false);
    expect(canDisconnect(stored)).toBe(false);
    expect(canDisconnect({ ...stored, enabled: false })).toBe(false);
  });
});

describe('disconnectedMessage', () => {
  it('says Slack is disconnected, then the server’s note', () => {
    const after: SlackSettings = { ...stored, mode: 'oauth', connected: false, teamId: null };
    expect(disconnectedMessage({ slack: after, revoked: false, note: 'Remove Tandem under Manage apps.' })).toBe('Slack disconnected. Remove Tandem under Manage apps.');
  });
});

describe('mentionText', () => {
  it('names whom each choice pings', () => {
    expect(mentionText('here')).toMatch(/^@here/);
    expect(mentionText('channel')).toMatch(/^@channel/);
    expect(mentionText('none')).toMatch(/^No one/);
  });
});
