/** What the Twilio form holds, and the `PUT /api/v1/integrations/twilio` body it turns into. */

export type TwilioSender = 'messagingService' | 'fromNumber';

export interface TwilioFormValues {
  accountSid: string;
  authToken: string;
  sender: TwilioSender;
  messagingServiceSid: string;
  fromNumber: string;
  numbers: string;
  enabled: boolean;
}

export interface TwilioConnectBody {
  accountSid: string;
  authToken: string;
  messagingServiceSid: string | null;
  fromNumber: string | null;
  numbers: string[];
  enabled: boolean;
}

/**
 * The numbers typed one a line or separated by commas or semicolons, trimmed, empties and repeats
 * dropped. Spaces stay inside an entry: "(415) 555-0100" is one number. The server checks each one.
 */
export function parseNumbers(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(/[\n\r,;]+/)) {
    const n = part.trim();
    if (n) seen.add(n);
  }
  return [...seen];
}

/**
 * The request body: only the chosen sending identity is sent, the other is null. An empty Messaging
 * Service SID is sent as typed ("") so the server names that field, not the from-number, as missing.
 */
export function connectBody(v: TwilioFormValues): TwilioConnectBody {
  const messagingService = v.sender === 'messagingService';
  return {
    accountSid: v.accountSid.trim(),
    authToken: v.authToken.trim(),
    messagingServiceSid: messagingService ? v.messagingServiceSid.trim() : null,
    fromNumber: messagingService ? null : v.fromNumber.trim() || null,
    numbers: parseNumbers(v.numbers),
    enabled: v.enabled,
  };
}
