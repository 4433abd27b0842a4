import { isSupportedCountry } from 'libphonenumber-js';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { FEDERAL_WINDOW, type Weekday } from '../compliance/quiet-hours';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM (24 h)');
const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));

/**
 * Settings are parsed on every text (send, inbound, AI turn), and luxon's zone check builds an Intl
 * formatter each time (about 165 µs here): zones found valid are remembered. Invalid names only arrive
 * in a PATCH, and are not kept, so the set stays the size of the zone list.
 */
const validZones = new Set<string>();
function isZone(zone: string): boolean {
  if (validZones.has(zone)) return true;
  if (!IANAZone.isValidZone(zone)) return false;
  validZones.add(zone);
  return true;
}

/** A real calendar date written YYYY-MM-DD (no 30 February), without a date library on the hot path. */
function isCalendarDate(d: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Day 0 of the next month is the last day of this one.
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The tenant's own texting window. It may only narrow the law's 08:00–21:00, so a window that ends before
 * it starts, or lies wholly outside the legal hours, would hold every text for ever: refused when saved.
 */
const quietHoursSchema = z
  .object({
    start: hhmm.default('08:00'),
    end: hhmm.default('21:00'),
    /** Weekdays texts may go out on, 1 = Monday … 7 = Sunday. */
    days: z
      .array(z.literal([1, 2, 3, 4, 5, 6, 7] as const satisfies readonly Weekday[]))
      .min(1, 'choose at least one day')
      .max(7)
      .refine((d) => new Set(d).size === d.length, 'each day once')
      .default([1, 2, 3, 4, 5, 6, 7]),
    /** Most texts to one lead in 24 h; null for no cap beyond a state's own. */
    dailyCap: z.number().int().min(1).max(50).nullable().default(null),
  })
  .superRefine((q, ctx) => {
    if (minutes(q.start) >= minutes(q.end)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['end'], message: 'must be later than the start' });
    } else if (minutes(q.end) <= minutes(FEDERAL_WINDOW.start) || minutes(q.start) >= minutes(FEDERAL_WINDOW.end)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['start'], message: `must overlap ${FEDERAL_WINDOW.start}–${FEDERAL_WINDOW.end}, the hours the law allows` });
    }
  });

/**
 * Everything a tenant can tune. Stored as JSON on the tenant; every field has a default, so an empty
 * object is a valid, sensible configuration.
 */
export const tenantSettingsSchema = z.object({
  businessName: z.string().min(1).max(80).default('Tandem Demo Realty'),
  brandVoice: z.string().max(500).default('Warm, brief and helpful. Plain words, no jargon.'),
  tone: z.enum(['friendly', 'professional', 'casual', 'formal']).default('friendly'),
  knowledge: z
    .array(z.object({ id: z.string().min(1).max(64), title: z.string().min(1).max(120), body: z.string().min(1).max(2000) }))
    .max(200)
    .default([]),
  autonomy: z.enum(['autopilot', 'copilot', 'off']).default('copilot'),
  /**
   * In copilot, send the first text after a form at once (speed to lead) instead of asking an agent.
   * Off by default, as copilot promises a person sees every AI text; the demo tenant turns it on.
   */
  copilotSendsOpener: z.boolean().default(false),
  confidenceThreshold: z.number().min(0).max(1).default(0.4),
  extraEscalationWords: z.array(z.string().min(1).max(40)).max(100).default([]),
  segmentCap: z.number().int().min(1).max(10).default(3),
  linkAllowList: z.array(z.string().min(1).max(253)).max(50).default([]),
  defaultTimezone: z
    .string()
    .min(1)
    .refine(isZone, 'an IANA time zone, e.g. America/New_York')
    .default('America/New_York'),
  /**
   * How a number without a +country code is read when an agent starts a conversation or a CRM card looks a
   * lead up by phone (forms have their own default country).
   */
  defaultPhoneCountry: z
    .string()
    .refine((c) => /^[A-Z]{2}$/.test(c) && isSupportedCountry(c), 'an ISO 3166 country code, e.g. US or GB')
    .default('US'),
  quietHours: quietHoursSchema.prefault({}),
  /** Local dates with no texts at all (the lead's calendar). */
  holidays: z
    .array(z.string().refine(isCalendarDate, 'a date as YYYY-MM-DD'))
    .max(100)
    .default([]),
  firstReplyMaySkipQuietHours: z.boolean().default(false),
  /** Days after the last outbound text with no reply, per nurture step. */
  followUpCadenceDays: z.array(z.number().int().min(1).max(90)).max(10).default([1, 3, 7]),
});

export type TenantSettings = z.infer<typeof tenantSettingsSchema>;

/**
 * Full settings from whatever is stored (unknown keys dropped, defaults filled). A stored value that no
 * longer passes (saved before a rule was tightened) falls back to its own default alone: one stale field
 * must not reset the business name, the knowledge or the autonomy with it.
 */
export function resolveSettings(stored: unknown): TenantSettings {
  const input = stored && typeof stored === 'object' && !Array.isArray(stored) ? { ...(stored as Record<string, unknown>) } : {};
  const parsed = tenantSettingsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) delete input[String(issue.path[0])];
  const retried = tenantSettingsSchema.safeParse(input);
  return retried.success ? retried.data : tenantSettingsSchema.parse({});
}
