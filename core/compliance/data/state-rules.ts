/**
 * US state texting rules stricter than the federal 08:00–21:00 (47 CFR § 64.1200(c)(1)), as DATA.
 *
 * Read this as a careful engineer's summary, not legal advice. Sources were statute citations and
 * compliance-vendor summaries found in November 2025 (nolo.com state pages; WMAR-2 on Maryland's act; the
 * Oklahoma legislature's enrolled HB 3168; dropcowboy.com/state-compliance; usestello.com/compliance;
 * support.referrizer.com "TCPA quiet hours and state-specific rules"). Where sources disagree or a statute
 * is about calls and only arguably texts, the stricter reading is used and `certainty` says so.
 * The 24 h caps are "per called party, on the same subject matter": Tandem treats one lead's conversation
 * as one subject, so the cap is per lead. Holidays: several states also forbid solicitation on state
 * holidays (AL, LA, RI); tenants put those dates in their holiday calendar.
 */
import type { DailyWindow, Weekday } from '../quiet-hours';
import { regionForAreaCode } from './nanp-timezones';

export interface StateRule {
  /** Two-letter USPS code. */
  state: string;
  /** Allowed window on every day not listed in `days`. */
  window: DailyWindow;
  /** Per-weekday exceptions (1 = Monday … 7 = Sunday); null means no texts that day. */
  days?: Partial<Record<Weekday, DailyWindow | null>>;
  /** Max texts to one lead per 24 h, or null for no state cap. */
  maxPer24h: number | null;
  source: string;
  certainty: 'statute' | 'secondary' | 'uncertain';
  note?: string;
}

const w = (start: string, end: string): DailyWindow => ({ start, end });

export const STATE_RULES: readonly StateRule[] = [
  {
    state: 'FL',
    window: w('08:00', '20:00'),
    maxPer24h: 3,
    source: 'Fla. Stat. § 501.616(6) (Florida Telemarketing Act, as amended by SB 1120, 2021); § 501.059 (FTSA)',
    certainty: 'statute',
    note: 'Area-code presumption: a Florida area code is presumed to be a Florida resident.',
  },
  {
    state: 'OK',
    window: w('08:00', '20:00'),
    maxPer24h: 3,
    source: '15 O.S. § 775C.4 (Telephone Solicitation Act of 2022, HB 3168, in force 2022-11-01)',
    certainty: 'statute',
  },
  {
    state: 'MD',
    window: w('08:00', '20:00'),
    maxPer24h: 3,
    source: 'Md. Code, Com. Law § 14-4501 et seq. (Stop the Spam Calls Act of 2023, SB 90)',
    certainty: 'statute',
    note: 'In force 2024-01-01 per WMAR-2 and the act; the brief called it a 2025 law, same rules either way.',
  },
  {
    state: 'WA',
    window: w('08:00', '20:00'),
    maxPer24h: null,
    source: 'RCW 80.36.390 (telephone solicitation hours)',
    certainty: 'statute',
  },
  {
    state: 'TX',
    window: w('09:00', '21:00'),
    days: { 7: w('12:00', '21:00') },
    maxPer24h: null,
    source: 'Tex. Bus. & Com. Code § 301.051; SB 140 (2025) brings texts within "telephone solicitation"',
    certainty: 'statute',
  },
  {
    state: 'CT',
    window: w('09:00', '20:00'),
    maxPer24h: null,
    source: 'Conn. Gen. Stat. § 42-288a, as amended by Public Act 23-98 (in force 2023-10-01)',
    certainty: 'statute',
  },
  {
    state: 'MA',
    window: w('08:00', '20:00'),
    maxPer24h: null,
    source: 'Mass. Gen. Laws ch. 159C § 3; 201 CMR 12.02',
    certainty: 'secondary',
  },
  {
    state: 'KY',
    window: w('10:00', '21:00'),
    maxPer24h: null,
    source: 'KRS 367.46955(3)',
    certainty: 'secondary',
  },
  {
    state: 'AL',
    window: w('08:00', '20:00'),
    days: { 7: null },
    maxPer24h: null,
    source: 'Ala. Admin. Code r. 770-X-5-.17 (no Sunday or state-holiday solicitation)',
    certainty: 'secondary',
  },
  {
    state: 'LA',
    window: w('08:00', '20:00'),
    days: { 7: null },
    maxPer24h: null,
    source: 'La. R.S. 45:844.31 et seq. (per dropcowboy.com and usestello.com summaries)',
    certainty: 'secondary',
  },
  {
    state: 'MS',
    window: w('08:00', '20:00'),
    days: { 7: null },
    maxPer24h: null,
    source: 'Miss. Code § 77-3-725 (per dropcowboy.com and referrizer summaries)',
    certainty: 'secondary',
  },
  {
    state: 'RI',
    window: w('09:00', '18:00'),
    days: { 6: w('10:00', '17:00'), 7: null },
    maxPer24h: null,
    source: 'R.I. Gen. Laws § 5-61-3.5 (no Sundays or holidays)',
    certainty: 'secondary',
  },
  {
    state: 'MI',
    window: w('09:00', '21:00'),
    maxPer24h: null,
    source: 'dropcowboy.com and usestello.com summaries (MCL 750.540e cited); statute wording on texts unverified',
    certainty: 'uncertain',
  },
  {
    state: 'MN',
    window: w('09:00', '21:00'),
    maxPer24h: null,
    source: 'Minn. Stat. § 325E.30 per summaries; applies to automatic dialing-announcing devices',
    certainty: 'uncertain',
  },
  {
    state: 'NM',
    window: w('09:00', '21:00'),
    maxPer24h: null,
    source: 'NMSA § 57-12-22 per summaries',
    certainty: 'secondary',
  },
  {
    state: 'NV',
    window: w('09:00', '20:00'),
    maxPer24h: null,
    source: 'dropcowboy.com and usestello.com summaries; statute not verified',
    certainty: 'uncertain',
  },
  {
    state: 'CA',
    window: w('09:00', '21:00'),
    maxPer24h: null,
    source: 'Cal. Pub. Util. Code § 2872(c) (automatic dialing devices) per usestello.com',
    certainty: 'uncertain',
    note: 'Kept because the stricter reading costs only one morning hour.',
  },
];

const BY_STATE: ReadonlyMap<string, StateRule> = new Map(STATE_RULES.map((rule) => [rule.state, rule]));

/** The stricter-than-federal rule of a US state, or null when the federal default applies. */
export function stateRuleFor(state: string | null | undefined): StateRule | null {
  return state ? (BY_STATE.get(state.toUpperCase()) ?? null) : null;
}

const US_STATES = new Set([
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'DC', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY', 'LA',
  'ME', 'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND', 'OH', 'OK', 'OR',
  'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY',
]);

/**
 * The US state (or DC) a NANP area code belongs to, e.g. '305' → 'FL'; null for Canadian, territorial,
 * toll-free or unknown codes. Florida and Oklahoma law presume the area code's state is the lead's.
 */
export function stateForAreaCode(areaCode: string): string | null {
  const region = regionForAreaCode(areaCode);
  return region && US_STATES.has(region) ? region : null;
}
