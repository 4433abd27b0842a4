/**
 * Quiet hours: when a text may reach a lead, in the lead's local time.
 *
 * Federal default 08:00–21:00 (47 CFR § 64.1200(c)(1)), narrowed by the tenant's settings and by the
 * lead's state (data/state-rules.ts), skipping the tenant's holidays, with a per-lead daily cap where a
 * state has one. A text due in quiet hours is deferred to the next window opening, never dropped.
 */
import { DateTime, IANAZone } from 'luxon';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { COUNTRY_TIMEZONES } from './data/country-timezones';
import { regionForAreaCode, timezoneForAreaCode } from './data/nanp-timezones';
import { stateForAreaCode, stateRuleFor } from './data/state-rules';

/** ISO weekday: 1 = Monday … 7 = Sunday (luxon's `weekday`). */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;
export const WEEKDAYS: readonly Weekday[] = [1, 2, 3, 4, 5, 6, 7];

/** A same-day window in local time, `HH:mm`; `end` is exclusive. */
export interface DailyWindow {
  start: string;
  end: string;
}

/** The effective rules for one lead: a window (or none) per weekday and a daily cap. */
export interface QuietHoursRules {
  windows: Readonly<Record<Weekday, DailyWindow | null>>;
  /** Max texts to one lead per day (per 24 h with `recentSendTimes`), or null for none. */
  dailyCap: number | null;
  /** Tenant setting: the instant reply to a form submission may go out at night. Off by default. */
  firstReplyMaySkipQuietHours: boolean;
}

/** What a tenant may set. Overrides only narrow the law: a wider window is clamped to the legal one. */
export interface QuietHoursOverrides {
  /** `HH:mm`, default 08:00. */
  start?: string | null;
  /** `HH:mm`, default 21:00. */
  end?: string | null;
  /** Weekdays texts may go out on (1 = Monday … 7 = Sunday), default every day. */
  days?: readonly Weekday[] | null;
  /** Tenant-wide cap per lead per day. */
  dailyCap?: number | null;
}

export const FEDERAL_WINDOW: DailyWindow = { start: '08:00', end: '21:00' };

export type DeferReason = 'quiet_hours' | 'holiday' | 'closed_day' | 'daily_cap';

export interface SendTimeDecision {
  /** true when the text may go out now (`at` is then `now`). */
  allowed: boolean;
  /** Now when allowed, else the earliest instant it may go out. */
  at: Date;
  /** Why it was deferred; null when allowed. The first obstacle met: quiet hours beat the cap. */
  reason: DeferReason | null;
}

export interface NextAllowedSendTimeInput {
  now: Date;
  /** IANA zone of the lead. */
  timezone: string;
  rules: QuietHoursRules;
  /** Tenant holidays as ISO dates (`2025-12-25`) in the lead's local calendar. */
  holidays?: readonly string[];
  /** Texts already sent to this lead on the lead's current local day. */
  sentTodayCount: number;
  /**
   * Optional send instants of recent texts to this lead. When given, the cap is a rolling 24 h (the
   * reading of the Florida/Oklahoma/Maryland laws) instead of a calendar day.
   */
  recentSendTimes?: readonly Date[];
  /** The instant reply to a form submission. */
  isFormReply?: boolean;
}

// A year is enough to meet any sane set of days and holidays; more means a misconfiguration.
const SEARCH_DAYS = 366;

/**
 * The earliest instant at or after `now` a text may reach the lead: now if inside an allowed window and
 * under the cap, otherwise the next window opening (next morning, next non-holiday, next allowed day).
 * DST-safe: windows are computed on the lead's local calendar with luxon.
 */
export function nextAllowedSendTime(input: NextAllowedSendTimeInput): SendTimeDecision {
  const { zone, holidays, skip } = checkInput(input);
  if (skip || allowedNowByWallClock(input, zone, holidays)) return { allowed: true, at: input.now, reason: null };
  return byCalendar(input, zone, holidays);
}

/**
 * `nextAllowedSendTime` without its fast path: the reference the fast path is tested against (over random
 * instants, zones and rules in quiet-hours.test.ts).
 */
export function nextAllowedSendTimeByCalendar(input: NextAllowedSendTimeInput): SendTimeDecision {
  const { zone, holidays, skip } = checkInput(input);
  if (skip) return { allowed: true, at: input.now, reason: null };
  return byCalendar(input, zone, holidays);
}

function checkInput(input: NextAllowedSendTimeInput): { zone: string; holidays: ReadonlySet<string>; skip: boolean } {
  const zone = assertZone(input.timezone);
  if (!(input.now instanceof Date) || Number.isNaN(input.now.getTime())) throw new TypeError('now must be a valid Date');
  if (!Number.isInteger(input.sentTodayCount) || input.sentTodayCount < 0) {
    throw new RangeError(`sentTodayCount must be a non-negative integer, got ${input.sentTodayCount}`);
  }
  const holidays = new Set((input.holidays ?? []).map(assertIsoDate));
  return { zone, holidays, skip: Boolean(input.isFormReply && input.rules.firstReplyMaySkipQuietHours) };
}

/**
 * The common case, answered from the lead's wall clock alone: inside today's window, not a holiday, under
 * the cap. Only when no UTC-offset change lies within a day either side of now, so comparing wall-clock
 * times is comparing instants. Anything else (a deferral, a DST day) goes to the calendar path. One cached
 * Intl formatter call per instant instead of about eight luxon offset computations.
 */
function allowedNowByWallClock(input: NextAllowedSendTimeInput, zone: string, holidays: ReadonlySet<string>): boolean {
  const ms = input.now.getTime();
  if (!offsetSteadyAround(ms, zone)) return false;
  const wall = wallClock(ms, zone);
  if (holidays.has(wall.date)) return false;
  const window = input.rules.windows[wall.weekday];
  if (!window || wall.minuteOfDay < minutes(window.start) || wall.minuteOfDay >= minutes(window.end)) return false;
  const cap = input.rules.dailyCap;
  if (cap === null) return true;
  if (input.recentSendTimes) return input.recentSendTimes.filter((d) => d.getTime() > ms - DAY_MS && d.getTime() <= ms).length < cap;
  return input.sentTodayCount < cap;
}

const DAY_MS = 24 * 3600_000;
const HOUR_MS = 3600_000;
const WALL_FORMATS = new Map<string, Intl.DateTimeFormat>();
const STEADY_HOURS = new Map<string, boolean>();

/**
 * True when the zone's UTC offset is the same from a day before `ms` to a day after it. Decided once per
 * zone and hour: the offset is read 25 h before the hour's start, at it, and 25 h after its end (offsets
 * change at most once in any two days).
 */
function offsetSteadyAround(ms: number, zone: string): boolean {
  const hour = Math.floor(ms / HOUR_MS);
  const key = `${zone}|${hour}`;
  let steady = STEADY_HOURS.get(key);
  if (steady === undefined) {
    const start = hour * HOUR_MS;
    const offset = wallClock(start, zone).offsetMs;
    steady = wallClock(start - DAY_MS - HOUR_MS, zone).offsetMs === offset && wallClock(start + DAY_MS + 2 * HOUR_MS, zone).offsetMs === offset;
    if (STEADY_HOURS.size >= 10_000) STEADY_HOURS.clear();
    STEADY_HOURS.set(key, steady);
  }
  return steady;
}

/** The local date, ISO weekday, minute of the day and UTC offset of an instant in `zone`. */
function wallClock(ms: number, zone: string): { date: string; weekday: Weekday; minuteOfDay: number; offsetMs: number } {
  let format = WALL_FORMATS.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    WALL_FORMATS.set(zone, format);
  }
  const p: Record<string, number> = {};
  for (const part of format.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const localAsUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  const weekday = new Date(Date.UTC(p.year!, p.month! - 1, p.day!)).getUTCDay();
  return {
    date: `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`,
    weekday: (weekday === 0 ? 7 : weekday) as Weekday,
    minuteOfDay: p.hour! * 60 + p.minute!,
    offsetMs: localAsUtc - (ms - (((ms % 1000) + 1000) % 1000)),
  };
}

/** The DST-safe path: windows computed on the lead's local calendar with luxon. */
function byCalendar(input: NextAllowedSendTimeInput, zone: string, holidays: ReadonlySet<string>): SendTimeDecision {
  const now = DateTime.fromJSDate(input.now, { zone });
  let t: DateTime = now;
  let reason: DeferReason | null = null;
  // Alternate between "next open window" and "under the cap"; each step only moves forward.
  for (let step = 0; step < SEARCH_DAYS * 2; step += 1) {
    const opening = nextOpening(t, input.rules, holidays);
    reason ??= opening.reason;
    t = opening.at;
    const capClears = capClearsAt(t, now, input);
    if (capClears === null) {
      const allowed = t.toMillis() === now.toMillis();
      return { allowed, at: t.toJSDate(), reason: allowed ? null : reason };
    }
    reason ??= 'daily_cap';
    t = capClears;
  }
  throw new Error('quiet hours: no allowed send time found; check the tenant days, holidays and daily cap');
}

/** True when `now` is outside the allowed windows (for the conversation view's quiet-hours badge). */
export function isQuietHours(now: Date, timezone: string, rules: QuietHoursRules, holidays: readonly string[] = []): boolean {
  return !nextAllowedSendTime({ now, timezone, rules: { ...rules, dailyCap: null }, holidays, sentTodayCount: 0 }).allowed;
}

/**
 * Builds a lead's effective rules: federal 08:00–21:00, narrowed by the tenant overrides and the state's
 * rule (`state` as returned by `stateForPhone`). The strictest window and the lowest cap win.
 */
export function resolveQuietHoursRules(options: {
  overrides?: QuietHoursOverrides | null;
  state?: string | null;
  firstReplyMaySkipQuietHours?: boolean;
}): QuietHoursRules {
  const overrides = options.overrides ?? {};
  const tenantWindow: DailyWindow = {
    start: overrides.start ? assertTime(overrides.start) : FEDERAL_WINDOW.start,
    end: overrides.end ? assertTime(overrides.end) : FEDERAL_WINDOW.end,
  };
  if (minutes(tenantWindow.start) >= minutes(tenantWindow.end)) {
    throw new RangeError(`quiet hours: window start ${tenantWindow.start} must be before end ${tenantWindow.end}`);
  }
  const tenantDays = overrides.days ? new Set(overrides.days) : null;
  for (const day of tenantDays ?? []) {
    if (!WEEKDAYS.includes(day)) throw new RangeError(`quiet hours: ${day} is not a weekday (1 = Monday … 7 = Sunday)`);
  }
  const state = stateRuleFor(options.state);

  const windows = {} as Record<Weekday, DailyWindow | null>;
  for (const day of WEEKDAYS) {
    if (tenantDays && !tenantDays.has(day)) {
      windows[day] = null;
      continue;
    }
    const stateWindow = state ? (state.days && day in state.days ? state.days[day]! : state.window) : FEDERAL_WINDOW;
    const legal = stateWindow === null ? null : intersect(FEDERAL_WINDOW, stateWindow);
    windows[day] = legal === null ? null : intersect(legal, tenantWindow);
  }

  const caps = [overrides.dailyCap ?? null, state?.maxPer24h ?? null].filter((c): c is number => c !== null);
  for (const cap of caps) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`quiet hours: daily cap must be a positive integer, got ${cap}`);
  }
  return {
    windows,
    dailyCap: caps.length ? Math.min(...caps) : null,
    firstReplyMaySkipQuietHours: options.firstReplyMaySkipQuietHours ?? false,
  };
}

export interface PhoneLocation {
  timezone: string;
  /** US state / Canadian province / territory code for NANP numbers, else null. */
  region: string | null;
  /** US state for quiet-hours state rules, else null. */
  state: string | null;
  /** ISO country, when known. */
  country: string | null;
  source: 'area_code' | 'country' | 'fallback';
}

/**
 * Where a lead's number most likely is: NANP area code → zone table; other countries → a representative
 * zone; anything else → `fallbackTimezone` (the tenant's default).
 */
export function locatePhone(phoneE164: string, fallbackTimezone: string): PhoneLocation {
  assertZone(fallbackTimezone);
  const parsed = typeof phoneE164 === 'string' ? parsePhoneNumberFromString(phoneE164) : undefined;
  const fallback: PhoneLocation = { timezone: fallbackTimezone, region: null, state: null, country: null, source: 'fallback' };
  if (!parsed) return fallback;
  const country = parsed.country ?? null;
  if (parsed.countryCallingCode === '1') {
    const areaCode = String(parsed.nationalNumber).slice(0, 3);
    const zone = timezoneForAreaCode(areaCode);
    if (zone) {
      return { timezone: zone, region: regionForAreaCode(areaCode), state: stateForAreaCode(areaCode), country, source: 'area_code' };
    }
  }
  const zone = country ? COUNTRY_TIMEZONES[country] : undefined;
  if (zone && country !== 'US' && country !== 'CA') return { timezone: zone, region: null, state: null, country, source: 'country' };
  return { ...fallback, country };
}

/** The lead's time zone from the number (see `locatePhone`). */
export function timezoneForPhone(phoneE164: string, fallbackTimezone: string): string {
  return locatePhone(phoneE164, fallbackTimezone).timezone;
}

// NANP zones are assigned per area code (see `locatePhone`), and parsing a number plus checking a zone
// costs about a millisecond: remember the answer per area code and default zone.
const NANP_ZONES = new Map<string, string>();

/** `timezoneForPhone`, remembered per +1 area code. */
export function zoneForPhone(phone: string, fallback: string): string {
  if (!phone.startsWith('+1') || phone.length !== 12) return timezoneForPhone(phone, fallback);
  const key = `${phone.slice(0, 5)}|${fallback}`;
  let zone = NANP_ZONES.get(key);
  if (!zone) {
    zone = timezoneForPhone(phone, fallback);
    if (NANP_ZONES.size < 10_000) NANP_ZONES.set(key, zone);
  }
  return zone;
}

/** The US state of a +1 number, by area code; null elsewhere. */
export function stateForPhone(phoneE164: string): string | null {
  const parsed = typeof phoneE164 === 'string' ? parsePhoneNumberFromString(phoneE164) : undefined;
  if (!parsed || parsed.countryCallingCode !== '1') return null;
  return stateForAreaCode(String(parsed.nationalNumber).slice(0, 3));
}

// ---------------------------------------------------------------------------------------------------

/** The first instant at or after `t` inside an allowed window, and why `t` itself was not (if it was not). */
function nextOpening(t: DateTime, rules: QuietHoursRules, holidays: ReadonlySet<string>): { at: DateTime; reason: DeferReason | null } {
  let reason: DeferReason | null = null;
  for (let i = 0; i <= SEARCH_DAYS; i += 1) {
    const day = t.startOf('day').plus({ days: i });
    if (holidays.has(day.toISODate()!)) {
      reason ??= 'holiday';
      continue;
    }
    const window = rules.windows[day.weekday as Weekday];
    if (!window) {
      reason ??= 'closed_day';
      continue;
    }
    const start = at(day, window.start);
    if (i === 0) {
      if (t < start) return { at: start, reason: 'quiet_hours' };
      if (t < at(day, window.end)) return { at: t, reason: null };
      reason ??= 'quiet_hours';
      continue;
    }
    return { at: start, reason };
  }
  throw new Error('quiet hours: no allowed day in the next year; check the tenant days and holidays');
}

/** null when a text at `t` stays under the cap; otherwise the instant the cap clears. */
function capClearsAt(t: DateTime, now: DateTime, input: NextAllowedSendTimeInput): DateTime | null {
  const cap = input.rules.dailyCap;
  if (cap === null) return null;
  if (input.recentSendTimes) {
    const since = t.minus({ hours: 24 }).toMillis();
    const inWindow = input.recentSendTimes
      .map((d) => d.getTime())
      .filter((ms) => ms > since && ms <= t.toMillis())
      .sort((a, b) => a - b);
    if (inWindow.length < cap) return null;
    // Once the oldest (n - cap + 1) sends are more than 24 h old, one more text is allowed.
    return DateTime.fromMillis(inWindow[inWindow.length - cap]! + 24 * 3600_000, { zone: t.zone });
  }
  if (input.sentTodayCount < cap || !t.hasSame(now, 'day')) return null;
  return now.startOf('day').plus({ days: 1 });
}

function at(day: DateTime, hhmm: string): DateTime {
  const [hour, minute] = hhmm.split(':').map(Number);
  return day.set({ hour, minute, second: 0, millisecond: 0 });
}

function intersect(a: DailyWindow, b: DailyWindow): DailyWindow | null {
  const start = minutes(a.start) >= minutes(b.start) ? a.start : b.start;
  const end = minutes(a.end) <= minutes(b.end) ? a.end : b.end;
  return minutes(start) < minutes(end) ? { start, end } : null;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

function assertTime(value: string): string {
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) {
    throw new RangeError(`quiet hours: "${value}" is not a time of day (HH:mm)`);
  }
  return value;
}

function assertIsoDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !DateTime.fromISO(value).isValid) {
    throw new RangeError(`quiet hours: holiday "${value}" is not an ISO date (YYYY-MM-DD)`);
  }
  return value;
}

function assertZone(zone: string): string {
  // IANAZone.create keeps one instance per name with its validity; isValidZone builds an Intl formatter on
  // every call, which was a tenth of a worker's CPU per text.
  if (typeof zone !== 'string' || zone === '' || !IANAZone.create(zone).isValid) throw new RangeError(`unknown IANA time zone: "${zone}"`);
  return zone;
}
