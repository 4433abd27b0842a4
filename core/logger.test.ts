import { redactSecrets } from './logger';

describe('redactSecrets', () => {
  it('cuts each secret out, raw and URL-encoded, and keeps the rest', () => {
    const secret = 'xoxb-1/2+3=';
    const text = `POST token=${encodeURIComponent(secret)} failed for ${secret} (client cs-9)`;
    expect(redactSecrets(text, [secret, 'cs-9'])).toBe('POST token=[redacted] failed for [redacted] (client [redacted])');
  });

  it('ignores an empty secret and keeps a log line to 300 characters', () => {
    expect(redactSecrets('nothing to hide', [''])).toBe('nothing to hide');
    expect(redactSecrets('x'.repeat(1000), ['y'])).toHaveLength(300);
  });
});
