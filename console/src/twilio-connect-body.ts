/** What the Twilio form holds, and the `PUT /api/v1/integrations/twilio` body it turns into. */

export type TwilioSender = 'messagingService' | 'fromNumber';

/** One row of the signing keys section: a held key shows its id and an empty secret (kept unless retyped). */
export interface SigningKeyRow {
  id: string;
  secret: string;
}

/** Twilio's Webhooks configuration signs with one SharedKey, or two while rotating: the form has two rows. */
export const SIGNING_KEY_ROWS = 2;

export interface TwilioFormValues {
  accountSid: string;
  authToken: string;
  sender: TwilioSender;
  messagingServiceSid: string;
  fromNumber: string;
  numbers: string;
  enabled: boolean;
  signingKeys: SigningKeyRow[];
}

export interface TwilioConnectBody {
  accountSid: string;
  authToken: string;
  messagingServiceSid: string | null;
  fromNumber: string | null;
  numbers: string[];
  enabled: boolean;
  /** Always sent: the form shows every held key, so what it sends replaces them ([] removes them). */
  webhookSigningKeys: Array<{ id: string; secret?: string }>;
}

/** The form's key rows: the held ids (secrets are never shown), then empty rows up to two. */
export function signingKeyRows(heldIds: string[]): SigningKeyRow[] {
  const rows = heldIds.slice(0, SIGNING_KEY_ROWS).map((id) => ({ id, secret: '' }));
  while (rows.length < SIGNING_KEY_ROWS) rows.push({ id: '', secret: '' });
  return rows;
}

/** Which rows are sent, in order: a row with neither an id nor a secret is left out. */
export function sentSigningKeyRows(rows: SigningKeyRow[]): number[] {
  return rows.flatMap((r, i) => (r.id.trim() || r.secret.trim() ? [i] : []));
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
    // A row without a secret keeps the secret stored for its id (the server asks for it if none is).
    webhookSigningKeys: sentSigningKeyRows(v.signingKeys).map((i) => {
      const id = v.signingKeys[i]!.id.trim();
      const secret = v.signingKeys[i]!.secret.trim();
      return secret ? { id, secret } : { id };
    }),
  };
}
