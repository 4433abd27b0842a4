import { DateTime, IANAZone } from 'luxon';
import { COUNTRY_TIMEZONES } from './data/country-timezones';
import { NANP_AREA_CODES_BY_REGION, REGION_TIMEZONES, ZONE_OVERRIDES } from './data/nanp-timezones';
import { STATE_RULES, stateForAreaCode } from './data/state-rules';
import {
  isQuietHours,
  locatePhone,
  nextAllowedSendTime,
  nextAllowedSendTimeByCalendar,
  resolveQuietHoursRules,
  stateForPhone,
  type DailyWindow,
  type NextAllowedSendTimeInput,
  type QuietHoursRules,
  type Weekday,
} from './quiet-hours';

const federal = resolveQuietHoursRules({});
/** A wall-clock time in a zone, as the fake "now". */
const local = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toJSDate();
const decide = (overrides: Partial<NextAllowedSendTimeInput> & { now: Date; timezone: string }) =>
  nextAllowedSendTime({ rules: federal, sentTodayCount: 0, ...overrides });

describe('nextAllowedSendTime: the federal window', () => {
  const ny = 'America/New_York';

  it('allows a text inside 08:00–21:00 local', () => {
    const now = local('2025-06-10T14:00', ny);
    expect(decide({ now, timezone: ny })).toEqual({ allowed: true, at: now, reason: null });
  });

  it('defers a text due at night to the next morning, never drops it', () => {
    const r = decide({ now: local('2025-06-10T22:30', ny), timezone: ny });
    expect(r).toEqual({ allowed: false, at: new Date('2025-06-11T12:00:00Z'), reason: 'quiet_hours' });
  });

  it('defers an early-morning text to 08:00 the same day', () => {
    expect(decide({ now: local('2025-06-10T06:15', ny), timezone: ny }).at).toEqual(new Date('2025-06-10T12:00:00Z'));
  });

  it('treats the window end as exclusive', () => {
    expect(decide({ now: local('2025-06-10T20:59:59', ny), timezone: ny }).allowed).toBe(true);
    expect(decide({ now: local('2025-06-10T21:00', ny), timezone: ny }).allowed).toBe(false);
    expect(decide({ now: local('2025-06-10T08:00', ny), timezone: ny }).allowed).toBe(true);
  });

  it('judges the same instant by the lead’s zone, not the server’s', () => {
    const now = new Date('2025-06-11T02:30:00Z'); // 22:30 in New York, 19:30 in Los Angeles
    expect(decide({ now, timezone: ny }).allowed).toBe(false);
    expect(decide({ now, timezone: 'America/Los_Angeles' }).allowed).toBe(true);
    expect(decide({ now, timezone: 'Asia/Tokyo' }).allowed).toBe(true); // 11:30 next day in Tokyo
  });
});

describe('nextAllowedSendTime across DST changes', () => {
  it.each([
    // zone, local now, expected UTC instant of next 08:00
    ['America/New_York', '2025-03-08T22:00', '2025-03-09T12:00:00Z'], // spring forward: next morning is EDT (UTC-4)
    ['America/New_York', '2025-11-01T23:00', '2025-11-02T13:00:00Z'], // fall back: next morning is EST (UTC-5)
    ['America/Chicago', '2025-03-09T01:30', '2025-03-09T13:00:00Z'], // the night of the change itself
    ['Europe/London', '2025-03-29T22:00', '2025-03-30T07:00:00Z'], // GMT evening, BST morning
    ['Australia/Sydney', '2025-04-05T21:30', '2025-04-05T22:00:00Z'], // AEDT evening, AEST (UTC+10) morning
    ['America/Phoenix', '2025-03-08T22:00', '2025-03-09T15:00:00Z'], // no DST in Arizona
  ])('%s at %s → %s', (zone, now, expected) => {
    const r = decide({ now: local(now, zone), timezone: zone });
    expect(r.allowed).toBe(false);
    expect(r.at).toEqual(new Date(expected));
    expect(DateTime.fromJSDate(r.at, { zone }).toFormat('HH:mm')).toBe('08:00');
  });
});

describe('nextAllowedSendTime: the wall-clock fast path decides as the calendar path does', () => {
  // Zones with DST north and south, half-hour and 45-minute offsets, a 30-minute DST (Lord Howe), changes at
  // midnight (Santiago, Havana), Ramadan changes (Casablanca), the date line, and none at all.
  const ZONES = [
    'America/New_York', 'America/Los_Angeles', 'America/Phoenix', 'America/St_Johns', 'America/Santiago', 'America/Havana',
    'Europe/London', 'Europe/Berlin', 'Africa/Casablanca', 'Asia/Kolkata', 'Asia/Kathmandu', 'Asia/Tehran',
    'Australia/Sydney', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Pacific/Kiritimati', 'Pacific/Apia', 'UTC',
  ];
  /** A seeded generator (mulberry32), so a failure names the case that reproduces it. */
  function random(seed: number) {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const changeCache = new Map<string, number[]>();
  /** The hours (2024-2027) after which the zone's offset differs: day by day, then the hour within the day. */
  const changesOf = (timezone: string) => {
    let changes = changeCache.get(timezone);
    if (!changes) {
      const zone = IANAZone.create(timezone);
      changes = [];
      for (let d = Date.UTC(2024, 0, 1); d < Date.UTC(2028, 0, 1); d += 24 * 3600_000) {
        if (zone.offset(d) === zone.offset(d + 24 * 3600_000)) continue;
        for (let h = d; h < d + 24 * 3600_000; h += 3600_000) if (zone.offset(h) !== zone.offset(h + 3600_000)) changes.push(h);
      }
      changeCache.set(timezone, changes);
    }
    return changes;
  };
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

  it.each([
    // Spring forward: 02:30 does not exist that night, so the window opens at 03:30; at 03:10 it is still shut.
    ['a window opening inside the skipped hour', { start: '02:30', end: '21:00' }, '2026-03-08T07:10:00Z'],
    // Fall back: 01:10 comes twice; the second time is after the window's 01:30 end (the first 01:30).
    ['a window closing inside the repeated hour', { start: '00:15', end: '01:30' }, '2026-11-01T06:10:00Z'],
  ])('on the night the offset changes, %s is judged by the calendar', (_name, window, iso) => {
    const windows = Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((d) => [d, window])) as Record<Weekday, DailyWindow>;
    const input: NextAllowedSendTimeInput = { now: new Date(iso), timezone: 'America/New_York', rules: { windows, dailyCap: null, firstReplyMaySkipQuietHours: false }, sentTodayCount: 0 };
    const expected = nextAllowedSendTimeByCalendar(input);
    expect(expected.allowed).toBe(false);
    expect(nextAllowedSendTime(input)).toEqual(expected);
  });

  it('over 5,000 random instants, zones, windows, holidays and caps, around offset changes too', () => {
    const rand = random(20261202);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const base = Date.UTC(2024, 0, 1);
    const span = Date.UTC(2028, 0, 1) - base;
    let allowed = 0;
    const mismatches: unknown[] = [];
    for (let i = 0; i < 5_000; i += 1) {
      const timezone = pick(ZONES);
      let ms = base + Math.floor(rand() * span);
      const changes = changesOf(timezone);
      // A third of the cases: within 36 hours of one of the zone's offset changes.
      if (i % 3 === 0 && changes.length) ms = pick(changes) + Math.floor((rand() - 0.5) * 72 * 3600_000);
      const windows = {} as Record<Weekday, DailyWindow | null>;
      for (const day of [1, 2, 3, 4, 5, 6, 7] as Weekday[]) {
        if (rand() < 0.15) {
          windows[day] = null;
          continue;
        }
        // Any window, early hours (where offset changes happen) included.
        const start = Math.floor(rand() * 24 * 60 - 1);
        const end = start + 1 + Math.floor(rand() * (24 * 60 - start - 1));
        windows[day] = { start: hhmm(start), end: hhmm(Math.min(end, 23 * 60 + 59)) };
        if (windows[day]!.start >= windows[day]!.end) windows[day] = { start: '08:00', end: '21:00' };
      }
      const rules: QuietHoursRules = { windows, dailyCap: pick([null, null, 1, 2, 3]), firstReplyMaySkipQuietHours: rand() < 0.1 };
      const localDay = DateTime.fromMillis(ms, { zone: timezone });
      const holidays = rand() < 0.3 ? [localDay.plus({ days: Math.floor(rand() * 3) - 1 }).toISODate()!] : [];
      const recentSendTimes = rand() < 0.5 ? Array.from({ length: Math.floor(rand() * 4) }, () => new Date(ms - Math.floor(rand() * 30 * 3600_000))) : undefined;
      const input: NextAllowedSendTimeInput = { now: new Date(ms), timezone, rules, holidays, sentTodayCount: Math.floor(rand() * 4), recentSendTimes, isFormReply: rand() < 0.1 };
      const expected = nextAllowedSendTimeByCalendar(input);
      const got = nextAllowedSendTime(input);
      if (expected.allowed) allowed += 1;
      if (got.allowed !== expected.allowed || got.at.getTime() !== expected.at.getTime() || got.reason !== expected.reason) {
        mismatches.push({ case: i, timezone, now: input.now.toISOString(), got, expected });
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    // Both kinds of answer were compared, not one of them only.
    expect(allowed).toBeGreaterThan(500);
    expect(allowed).toBeLessThan(4_500);
  });
});

describe('nextAllowedSendTime: holidays, days and caps', () => {
  const zone = 'America/Chicago';

  it('skips a holiday and a run of holidays to the next open day', () => {
    const r = decide({ now: local('2025-12-24T22:00', zone), timezone: zone, holidays: ['2025-12-25', '2025-12-26'] });
    expect(r).toEqual({ allowed: false, at: local('2025-12-27T08:00', zone), reason: 'quiet_hours' });
    const onHoliday = decide({ now: local('2025-12-25T12:00', zone), timezone: zone, holidays: ['2025-12-25'] });
    expect(onHoliday).toEqual({ allowed: false, at: local('2025-12-26T08:00', zone), reason: 'holiday' });
  });

  it('honours tenant weekdays: Saturday goes to Monday morning', () => {
    const rules = resolveQuietHoursRules({ overrides: { days: [1, 2, 3, 4, 5] } });
    const r = decide({ now: local('2025-06-14T11:00', zone), timezone: zone, rules }); // a Saturday
    expect(r).toEqual({ allowed: false, at: local('2025-06-16T08:00', zone), reason: 'closed_day' });
  });

  it('defers to the next allowed day once the daily cap is reached', () => {
    const rules = resolveQuietHoursRules({ state: 'FL' });
    const r = decide({ now: local('2025-06-10T14:00', zone), timezone: zone, rules, sentTodayCount: 3 });
    expect(r).toEqual({ allowed: false, at: local('2025-06-11T08:00', zone), reason: 'daily_cap' });
    expect(decide({ now: local('2025-06-10T14:00', zone), timezone: zone, rules, sentTodayCount: 2 }).allowed).toBe(true);
  });

  it('skips a holiday that follows a capped day', () => {
    const rules = resolveQuietHoursRules({ overrides: { dailyCap: 1 } });
    const r = decide({ now: local('2025-12-24T10:00', zone), timezone: zone, rules, sentTodayCount: 1, holidays: ['2025-12-25'] });
    expect(r).toEqual({ allowed: false, at: local('2025-12-26T08:00', zone), reason: 'daily_cap' });
  });

  it('uses a rolling 24 h cap when the send times are known', () => {
    const rules = resolveQuietHoursRules({ state: 'FL' });
    const ny = 'America/New_York';
    const recentSendTimes = ['19:00', '19:10', '19:20'].map((t) => local(`2025-06-10T${t}`, ny));
    const r = decide({ now: local('2025-06-11T08:30', ny), timezone: ny, rules, sentTodayCount: 0, recentSendTimes });
    // Calendar-day counting would allow 08:30; three texts in the last 24 h hold it to 19:00 (FL window ends 20:00).
    expect(r).toEqual({ allowed: false, at: local('2025-06-11T19:00', ny), reason: 'daily_cap' });
  });

  it('lets the instant form reply skip quiet hours only when the tenant allows it', () => {
    const now = local('2025-06-10T23:00', zone);
    expect(decide({ now, timezone: zone, isFormReply: true }).allowed).toBe(false);
    const lenient = resolveQuietHoursRules({ firstReplyMaySkipQuietHours: true });
    expect(decide({ now, timezone: zone, rules: lenient, isFormReply: true })).toEqual({ allowed: true, at: now, reason: null });
    expect(decide({ now, timezone: zone, rules: lenient, isFormReply: false }).allowed).toBe(false);
  });

  it('refuses bad input with clear errors', () => {
    const now = new Date('2025-06-10T12:00:00Z');
    expect(() => decide({ now, timezone: 'Mars/Olympus' })).toThrow(/unknown IANA time zone/);
    expect(() => decide({ now, timezone: zone, holidays: ['25/12/2025'] })).toThrow(/ISO date/);
    expect(() => decide({ now, timezone: zone, sentTodayCount: -1 })).toThrow(/non-negative/);
    expect(() => decide({ now: new Date('nope'), timezone: zone })).toThrow(/valid Date/);
    const never = resolveQuietHoursRules({ overrides: { days: [1] } });
    const mondays = Array.from({ length: 60 }, (_, i) => DateTime.fromISO('2025-06-16').plus({ weeks: i }).toISODate()!);
    expect(() => decide({ now, timezone: zone, rules: never, holidays: mondays })).toThrow(/no allowed/);
  });

  it('isQuietHours reports the window only', () => {
    const rules = resolveQuietHoursRules({ overrides: { dailyCap: 1 } });
    expect(isQuietHours(local('2025-06-10T22:00', zone), zone, rules)).toBe(true);
    expect(isQuietHours(local('2025-06-10T12:00', zone), zone, rules)).toBe(false);
  });
});

describe('state rules', () => {
  it.each([
    ['FL', 'America/New_York', '2025-06-10T20:30', false, '2025-06-11T08:00'],
    ['WA', 'America/Los_Angeles', '2025-06-10T20:15', false, '2025-06-11T08:00'],
    ['MD', 'America/New_York', '2025-06-10T19:59', true, '2025-06-10T19:59'],
    ['TX', 'America/Chicago', '2025-06-14T08:30', false, '2025-06-14T09:00'], // Saturday: 09:00
    ['TX', 'America/Chicago', '2025-06-15T10:00', false, '2025-06-15T12:00'], // Sunday: noon
    ['TX', 'America/Chicago', '2025-06-14T20:45', true, '2025-06-14T20:45'],
    ['RI', 'America/New_York', '2025-06-14T17:30', false, '2025-06-16T09:00'], // Saturday after 17:00, no Sunday
    ['NY', 'America/New_York', '2025-06-10T20:30', true, '2025-06-10T20:30'], // federal only
  ])('%s, %s %s → allowed=%s at %s', (state, zone, now, allowed, at) => {
    const rules = resolveQuietHoursRules({ state });
    const r = decide({ now: local(now, zone), timezone: zone, rules });
    expect(r.allowed).toBe(allowed);
    expect(r.at).toEqual(local(at, zone));
  });

  it('combines tenant overrides and state rules: strictest window, lowest cap; never wider than the law', () => {
    expect(resolveQuietHoursRules({ overrides: { start: '07:00', end: '22:00' } }).windows[3]).toEqual({ start: '08:00', end: '21:00' });
    const fl = resolveQuietHoursRules({ state: 'FL', overrides: { start: '09:30', end: '20:30', dailyCap: 5 } });
    expect(fl.windows[3]).toEqual({ start: '09:30', end: '20:00' });
    expect(fl.dailyCap).toBe(3);
    expect(resolveQuietHoursRules({ state: 'OK', overrides: { dailyCap: 2 } }).dailyCap).toBe(2);
    expect(resolveQuietHoursRules({ state: 'TX', overrides: { start: '10:00' } }).windows[7]).toEqual({ start: '12:00', end: '21:00' });
    expect(resolveQuietHoursRules({ state: 'AL' }).windows[7]).toBeNull();
    expect(resolveQuietHoursRules({}).dailyCap).toBeNull();
  });

  it('refuses malformed overrides', () => {
    expect(() => resolveQuietHoursRules({ overrides: { start: '8am' } })).toThrow(/HH:mm/);
    expect(() => resolveQuietHoursRules({ overrides: { start: '18:00', end: '09:00' } })).toThrow(/before end/);
    expect(() => resolveQuietHoursRules({ overrides: { days: [0 as never] } })).toThrow(/not a weekday/);
    expect(() => resolveQuietHoursRules({ overrides: { dailyCap: 0 } })).toThrow(/positive integer/);
  });

  it('keeps every state rule inside the federal window with a source', () => {
    for (const rule of STATE_RULES) {
      for (const w of [rule.window, ...Object.values(rule.days ?? {})]) {
        if (w) expect(w.start >= '08:00' && w.end <= '21:00' && w.start < w.end).toBe(true);
      }
      expect(rule.source.length).toBeGreaterThan(10);
    }
  });
});

describe('locating a lead by number', () => {
  it.each([
    ['+13055550123', 'America/New_York', 'FL', 'area_code'],
    ['+18505550123', 'America/Chicago', 'FL', 'area_code'], // Pensacola side of the panhandle
    ['+12125550123', 'America/New_York', 'NY', 'area_code'],
    ['+19155550123', 'America/Denver', 'TX', 'area_code'], // El Paso
    ['+14805550123', 'America/Phoenix', 'AZ', 'area_code'],
    ['+18085550123', 'Pacific/Honolulu', 'HI', 'area_code'],
    ['+14165550123', 'America/Toronto', null, 'area_code'],
    ['+16045550123', 'America/Vancouver', null, 'area_code'],
    ['+18769291234', 'America/Jamaica', null, 'country'],
    ['+442079460000', 'Europe/London', null, 'country'],
    ['+33612345678', 'Europe/Paris', null, 'country'],
    ['+18005550123', 'America/Denver', null, 'fallback'], // toll-free: the tenant's zone
    ['not a phone', 'America/Denver', null, 'fallback'],
  ])('%s → %s (%s, %s)', (phone, timezone, state, source) => {
    const located = locatePhone(phone, 'America/Denver');
    expect(located).toMatchObject({ timezone, state, source });
    expect(stateForPhone(phone)).toBe(state);
  });

  it('maps area codes to states for the state rules', () => {
    expect(stateForAreaCode('305')).toBe('FL');
    expect(stateForAreaCode('405')).toBe('OK');
    expect(stateForAreaCode('410')).toBe('MD');
    expect(stateForAreaCode('416')).toBeNull(); // Toronto
    expect(stateForAreaCode('800')).toBeNull();
  });

  it('has a consistent area-code table with valid zones', () => {
    const all = Object.values(NANP_AREA_CODES_BY_REGION).flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThan(400);
    for (const code of all) expect(code).toMatch(/^[2-9]\d\d$/);
    for (const region of Object.keys(NANP_AREA_CODES_BY_REGION)) expect(REGION_TIMEZONES[region]).toBeDefined();
    const zones = [...Object.values(REGION_TIMEZONES), ...Object.values(ZONE_OVERRIDES), ...Object.values(COUNTRY_TIMEZONES)];
    for (const zone of zones) expect([zone, IANAZone.isValidZone(zone)]).toEqual([zone, true]);
    for (const code of Object.keys(ZONE_OVERRIDES)) expect(all).toContain(code);
  });
});
