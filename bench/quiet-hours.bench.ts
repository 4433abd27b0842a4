/**
 * `npm run bench:quiet-hours`: the cost of one quiet-hours decision, which the send job's compliance gate
 * makes for every text (and the conversation view for its badge). Three cases over N calls each (default
 * 20000, `BENCH_CALLS`), one new instant a second apart per call, in New York with the state's rules:
 * - allowed now: answered from the wall clock (`nextAllowedSendTime`'s fast path);
 * - the same instants through the calendar path (`nextAllowedSendTimeByCalendar`, the reference);
 * - at night: deferred, which always takes the calendar path.
 */
import { nextAllowedSendTime, nextAllowedSendTimeByCalendar, resolveQuietHoursRules, type NextAllowedSendTimeInput } from '../core/compliance/quiet-hours';

const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);
const rules = resolveQuietHoursRules({ state: 'NY' });

function microsPerCall(decide: (input: NextAllowedSendTimeInput) => unknown, startIso: string): number {
  const start = Date.parse(startIso);
  const input = (i: number): NextAllowedSendTimeInput => ({
    now: new Date(start + i * 1000),
    timezone: 'America/New_York',
    rules,
    holidays: ['2026-12-25'],
    sentTodayCount: 0,
    recentSendTimes: [new Date(start - 3600_000)],
  });
  for (let i = 0; i < 2_000; i += 1) decide(input(i));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i += 1) decide(input(i));
  return Number(process.hrtime.bigint() - t0) / CALLS / 1000;
}

// 12:00 and 02:00 in New York; CALLS seconds later is still inside the same window / the same night.
const allowed = microsPerCall(nextAllowedSendTime, '2026-06-02T16:00:00Z');
const reference = microsPerCall(nextAllowedSendTimeByCalendar, '2026-06-02T16:00:00Z');
const deferred = microsPerCall(nextAllowedSendTime, '2026-06-02T06:00:00Z');
console.log(`quiet hours, ${CALLS} calls each (µs per call):`);
console.log(`  allowed now, wall-clock fast path: ${allowed.toFixed(1)}`);
console.log(`  allowed now, calendar path (reference): ${reference.toFixed(1)}`);
console.log(`  at night, deferred (calendar path): ${deferred.toFixed(1)}`);
