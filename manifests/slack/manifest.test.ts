import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BOT_EVENTS, BOT_SCOPES, SLACK_PATHS, SLASH_COMMAND } from '../../connectors/slack/constants';
import { renderSlackManifest } from './render';

interface Manifest {
  features: { slash_commands: Array<{ command: string; url: string }>; shortcuts?: Array<{ callback_id: string }> };
  oauth_config: { redirect_urls: string[]; scopes: { bot: string[] } };
  settings: { event_subscriptions: { request_url: string; bot_events: string[] }; interactivity: { is_enabled: boolean; request_url: string } };
}

const PUBLIC = 'https://tandem.example.com';

describe('Slack app manifest', () => {
  const manifest = renderSlackManifest(`${PUBLIC}/`) as unknown as Manifest;

  it('declares exactly the slash command the code listens to, on the events URL', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual([SLASH_COMMAND]);
    expect(manifest.features.slash_commands[0].url).toBe(`${PUBLIC}${SLACK_PATHS.events}`);
    // Any shortcut callback id in the manifest would need a listener: there are none.
    expect(manifest.features.shortcuts ?? []).toEqual([]);
  });

  it('asks for the scopes the installer requests and subscribes to the events the code handles', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual([...BOT_SCOPES]);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual([...BOT_EVENTS]);
  });

  it('points events, interactivity and the OAuth redirect at the public URL', () => {
    expect(manifest.settings.event_subscriptions.request_url).toBe(`${PUBLIC}${SLACK_PATHS.events}`);
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true, request_url: `${PUBLIC}${SLACK_PATHS.events}` });
    expect(manifest.oauth_config.redirect_urls).toEqual([`${PUBLIC}${SLACK_PATHS.oauthRedirect}`]);
    expect(JSON.stringify(manifest)).not.toContain('{{');
  });

  it('keeps a path prefix and refuses a non-URL', () => {
    const prefixed = renderSlackManifest('https://host.test/tandem') as unknown as Manifest;
    expect(prefixed.settings.event_subscriptions.request_url).toBe('https://host.test/tandem/slack/events');
    expect(() => renderSlackManifest('not a url')).toThrow('is not a URL');
    expect(() => renderSlackManifest('ftp://host.test')).toThrow('http(s)');
  });

  it('renders from the command line', () => {
    const out = execFileSync(join(__dirname, '../../node_modules/.bin/tsx'), [join(__dirname, 'render.ts'), PUBLIC], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(manifest);
  });
});
