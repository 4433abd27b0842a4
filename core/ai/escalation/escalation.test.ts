import type { TurnHistoryItem } from '../../ports/ai-pipeline.port';
import { checkEscalation, unresolvedStreak, type EscalationInput } from './escalation';

const base: EscalationInput = {
  inbound: 'How much is it?',
  intent: 'pricing',
  sentiment: 'neutral',
  urgency: 'normal',
  isQuestion: true,
  frustrated: false,
  history: [],
  handedBack: false,
  extraWords: [],
  circuitOpen: false,
  confidenceThreshold: 0.4,
};

const lead = (body: string, extra: Partial<TurnHistoryItem> = {}): TurnHistoryItem => ({ direction: 'in', author: 'lead', body, at: '2025-01-01T00:00:00Z', ...extra });
const ai = (body: string): TurnHistoryItem => ({ direction: 'out', author: 'ai', body, at: '2025-01-01T00:00:01Z' });

describe('escalation', () => {
  it('does not escalate an ordinary question', () => {
    expect(checkEscalation(base)).toEqual({ escalate: false, reasons: [] });
  });

  it.each([
    [{ inbound: 'I will call my lawyer' }, 'legal:lawyer'],
    [{ inbound: 'I want a REFUND now' }, 'legal:refund'],
    [{ inbound: 'filing a chargeback' }, 'legal:chargeback'],
    [{ inbound: 'reporting you to the BBB' }, 'legal:bbb'],
    [{ inbound: 'quiero un reembolso' }, 'legal:reembolso'],
    [{ inbound: 'the roof is leaking', extraWords: ['leaking'] }, 'tenant_word:leaking'],
    [{ intent: 'wants_human' as const }, 'wants_human'],
    [{ sentiment: 'negative' as const, urgency: 'critical' as const }, 'negative_critical'],
    [{ circuitOpen: true }, 'circuit_open'],
    [{ decision: { action: 'continue', confidence: 0.3, reason: 'unsure' } }, 'low_confidence:0.3'],
    [{ decision: { action: 'handoff', confidence: 0.9, reason: 'complaint' } }, 'model_handoff:complaint'],
  ])('escalates %#', (overrides, reason) => {
    const r = checkEscalation({ ...base, ...overrides });
    expect(r.escalate).toBe(true);
    expect(r.reasons).toContain(reason);
  });

  it('respects the tenant threshold', () => {
    expect(checkEscalation({ ...base, confidenceThreshold: 0.2, decision: { action: 'continue', confidence: 0.3, reason: '' } }).escalate).toBe(false);
  });

  it('does not match legal words inside other words', () => {
    expect(checkEscalation({ ...base, inbound: 'Is the issue covered? My suede sofa got wet' }).escalate).toBe(false);
  });

  it('escalates after three unresolved turns on the same question', () => {
    const history = [lead('How much is a full replacement?'), ai('Someone will follow up.'), lead('ok but how much does it cost?'), ai('Someone will follow up.')];
    const r = checkEscalation({ ...base, inbound: 'price???', history });
    expect(r.reasons).toContain('unresolved_turns:3');
  });

  it('counts frustration, restarts after an agent or a hand-back, and ignores different questions', () => {
    const frustrated = { intent: 'other' as const, isQuestion: false, frustrated: true };
    const asked = [lead('How much is it?'), ai('...'), lead('you did not answer my question'), ai('...')];
    expect(unresolvedStreak(asked, frustrated, false)).toBe(3);
    expect(unresolvedStreak(asked, frustrated, true)).toBe(1);
    const withAgent = [lead('How much is it?'), { ...ai('Hi, Sam here'), author: 'agent' as const }, lead('you did not answer my question')];
    expect(unresolvedStreak(withAgent, frustrated, false)).toBe(2);
    const varied = [lead('How much is it?'), ai('$49.'), lead('Are you open Saturday?'), ai('Yes.')];
    expect(unresolvedStreak(varied, { intent: 'features', isQuestion: true, frustrated: false }, false)).toBe(1);
  });
});
