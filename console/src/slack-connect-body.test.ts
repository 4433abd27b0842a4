import { ApiError } from './api';
import { mentionText, slackNotConfigured, slackSettingsBody, slackValuesOf, type SlackSettings } from './slack-connect-body';

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
});

describe('mentionText', () => {
  it('names whom each choice pings', () => {
    expect(mentionText('here')).toMatch(/^@here/);
    expect(mentionText('channel')).toMatch(/^@channel/);
    expect(mentionText('none')).toMatch(/^No one/);
  });
});
