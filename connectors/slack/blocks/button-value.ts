import { AUTONOMY_LEVELS, type Autonomy } from '../../../core/index';

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
  const p = parseValue(raw);
  if (p.d !== undefined && typeof p.d !== 'string') throw new Error('slack.bad_button_value: draft id must be a string');
  return { conversationId: p.c, version: p.v, draftId: (p.d as string | undefined) ?? null };
}

/** The JSON every value we produce holds: `c` a conversation id and `v` an integer version, besides its own fields. */
function parseValue(raw: string | undefined): { c: string; v: number; [field: string]: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw ?? '');
  } catch {
    throw new Error('slack.bad_button_value: not JSON');
  }
  const p = parsed as { c?: unknown; v?: unknown };
  if (typeof p?.c !== 'string' || !p.c || typeof p.v !== 'number' || !Number.isInteger(p.v)) {
    throw new Error('slack.bad_button_value: needs a conversation id and an integer version');
  }
  return p as { c: string; v: number };
}

/** An option of the autonomy menu: the conversation and version, and the level (`null`: the tenant's setting). */
export interface AutonomyChoice {
  conversationId: string;
  version: number;
  autonomy: Autonomy | null;
}

/** Encodes an autonomy option's value (Slack allows 150 characters there; this is about 70). */
export function encodeAutonomyChoice(choice: AutonomyChoice): string {
  return JSON.stringify({ c: choice.conversationId, v: choice.version, a: choice.autonomy ?? 'tenant' });
}

/** Decodes an autonomy option's value; throws a clear error on anything we did not produce. */
export function decodeAutonomyChoice(raw: string | undefined): AutonomyChoice {
  const { c, v, a } = parseValue(raw);
  if (a !== 'tenant' && !AUTONOMY_LEVELS.includes(a as Autonomy)) throw new Error('slack.bad_button_value: autonomy must be autopilot, copilot, off or tenant');
  return { conversationId: c, version: v, autonomy: a === 'tenant' ? null : (a as Autonomy) };
}
