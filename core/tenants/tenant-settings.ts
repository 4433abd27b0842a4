import { z } from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM (24 h)');

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
  defaultTimezone: z.string().min(1).default('America/New_York'),
  /**
   * How a number without a +country code is read when an agent starts a conversation or a CRM card looks a
   * lead up by phone (forms have their own default country).
   */
  defaultPhoneCountry: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 country code, e.g. US or GB').default('US'),
  quietHours: z
    .object({ start: hhmm.default('08:00'), end: hhmm.default('21:00') })
    .default({ start: '08:00', end: '21:00' }),
  holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).max(100).default([]),
  firstReplyMaySkipQuietHours: z.boolean().default(false),
  /** Days after the last outbound text with no reply, per nurture step. */
  followUpCadenceDays: z.array(z.number().int().min(1).max(90)).max(10).default([1, 3, 7]),
  /** Slack: thread replies from the agent who took over go to the lead. */
  threadRepliesSendToLead: z.boolean().default(false),
});

export type TenantSettings = z.infer<typeof tenantSettingsSchema>;

/** Full settings from whatever is stored (unknown keys dropped, defaults filled). */
export function resolveSettings(stored: unknown): TenantSettings {
  const parsed = tenantSettingsSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : tenantSettingsSchema.parse({});
}
