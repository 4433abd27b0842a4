import { createHmac } from 'node:crypto';

/** Slack's documented request signature: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}`. */
export function slackSignature(signingSecret: string, timestamp: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Headers for a signed request; `timestamp` defaults to now (Slack refuses anything 5 minutes old). */
export function signedHeaders(
  signingSecret: string,
  rawBody: string,
  contentType: 'application/json' | 'application/x-www-form-urlencoded',
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  return {
    'content-type': contentType,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(signingSecret, timestamp, rawBody),
  };
}

/** Interactivity payloads arrive as a form field `payload` holding JSON. */
export function interactivityBody(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
