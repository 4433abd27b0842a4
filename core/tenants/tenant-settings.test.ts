import { resolveQuietHoursRules } from '../compliance/quiet-hours';
import { resolveSettings, tenantSettingsSchema } from './tenant-settings';

/** The field messages a settings value would get, keyed by path, as the PATCH route reports them. */
function problems(settings: unknown): Record<string, string> {
  const r = tenantSettingsSchema.safeParse(settings);
  return r.success ? {} : Object.fromEntries(r.error.issues.map((i) => [i.path.join('.'), i.message]));
}

describe('tenant settings', () => {
  it('defaults the texting window to the law’s hours, every day, with no cap of the tenant’s own', () => {
    expect(resolveSettings({}).quietHours).toEqual({ start: '08:00', end: '21:00', days: [1, 2, 3, 4, 5, 6, 7], dailyCap: null });
    // Stored before days and the cap existed: filled in, the window kept.
    expect(resolveSettings({ quietHours: { start: '09:00', end: '18:00' } }).quietHours).toEqual({ start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5, 6, 7], dailyCap: null });
  });

  it('refuses a window that would hold every text for ever', () => {
    expect(problems({ quietHours: { start: '21:00', end: '08:00' } })).toEqual({ 'quietHours.end': 'must be later than the start' });
    expect(problems({ quietHours: { start: '09:00', end: '09:00' } })).toEqual({ 'quietHours.end': 'must be later than the start' });
    expect(problems({ quietHours: { start: '06:00', end: '07:30' } })).toEqual({ 'quietHours.start': 'must overlap 08:00–21:00, the hours the law allows' });
    expect(problems({ quietHours: { start: '21:00', end: '23:00' } })).toEqual({ 'quietHours.start': 'must overlap 08:00–21:00, the hours the law allows' });
    expect(problems({ quietHours: { days: [] } })).toEqual({ 'quietHours.days': 'choose at least one day' });
    expect(Object.keys(problems({ quietHours: { days: [1, 1] } }))).toEqual(['quietHours.days']);
    expect(Object.keys(problems({ quietHours: { days: [0] } }))).toEqual(['quietHours.days.0']);
    expect(Object.keys(problems({ quietHours: { dailyCap: 0 } }))).toEqual(['quietHours.dailyCap']);
    // Wider than the law is allowed: the gate clamps it (resolveQuietHoursRules).
    expect(problems({ quietHours: { start: '07:00', end: '22:00' } })).toEqual({});
  });

  it('gives the gate the days and cap it enforces', () => {
    const s = resolveSettings({ quietHours: { start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5], dailyCap: 2 } });
    const rules = resolveQuietHoursRules({ overrides: s.quietHours });
    expect(rules.windows[6]).toBeNull();
    expect(rules.windows[7]).toBeNull();
    expect(rules.windows[1]).toEqual({ start: '09:00', end: '17:00' });
    expect(rules.dailyCap).toBe(2);
  });

  it('refuses a time zone, a country or a holiday that does not exist', () => {
    expect(problems({ defaultTimezone: 'Mars/Olympus_Mons' })).toEqual({ defaultTimezone: 'an IANA time zone, e.g. America/New_York' });
    expect(problems({ defaultTimezone: 'Europe/London' })).toEqual({});
    expect(problems({ defaultPhoneCountry: 'ZZ' })).toEqual({ defaultPhoneCountry: 'an ISO 3166 country code, e.g. US or GB' });
    expect(problems({ defaultPhoneCountry: 'gb' })).toEqual({ defaultPhoneCountry: 'an ISO 3166 country code, e.g. US or GB' });
    expect(problems({ defaultPhoneCountry: 'GB' })).toEqual({});
    expect(problems({ holidays: ['2026-12-25', '2027-02-30'] })).toEqual({ 'holidays.1': 'a date as YYYY-MM-DD' });
    expect(problems({ holidays: ['25/12/2026'] })).toEqual({ 'holidays.0': 'a date as YYYY-MM-DD' });
    expect(problems({ holidays: ['2028-02-29', '2027-02-29', '2026-04-31', '2026-13-01', '2026-00-10'] })).toEqual({
      'holidays.1': 'a date as YYYY-MM-DD',
      'holidays.2': 'a date as YYYY-MM-DD',
      'holidays.3': 'a date as YYYY-MM-DD',
      'holidays.4': 'a date as YYYY-MM-DD',
    });
  });

  it('keeps every other setting when one stored value no longer passes', () => {
    // Saved before the time zone was checked: that field alone falls back to its default.
    const s = resolveSettings({ businessName: 'Acme Homes', autonomy: 'autopilot', defaultTimezone: 'Nowhere/Special', holidays: ['2026-12-25'] });
    expect(s).toMatchObject({ businessName: 'Acme Homes', autonomy: 'autopilot', defaultTimezone: 'America/New_York', holidays: ['2026-12-25'] });
    expect(resolveSettings('not an object')).toEqual(resolveSettings({}));
  });
});
