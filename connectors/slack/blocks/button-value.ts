/** What every conversation button carries: the conversation, the version the agent saw, the draft shown. */
export interface ButtonValue {
  conversationId: string;
  version: number;
  draftId: string | null;
}

/** Encodes a button value (compact JSON; Slack allows 2000 characters). */
export function encodeButtonValue(value: ButtonValue): string {
  return JSON.stringify({ c: value.conversationId, v: value.version, ...(value.draftId ? { d: value.draftId } : {}) });
}

/** Decodes a button value; throws a clear error on anything we did not produce. */
export function decodeButtonValue(raw: string | undefined): ButtonValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw ?? '');
  } catch {
    throw new Error('slack.bad_button_value: not JSON');
  }
  const p = parsed as { c?: unknown; v?: unknown; d?: unknown };
  if (typeof p?.c !== 'string' || !p.c || typeof p.v !== 'number' || !Number.isInteger(p.v)) {
    throw new Error('slack.bad_button_value: needs a conversation id and an integer version');
  }
  if (p.d !== undefined && typeof p.d !== 'string') throw new Error('slack.bad_button_value: draft id must be a string');
  return { conversationId: p.c, version: p.v, draftId: (p.d as string | undefined) ?? null };
}
