import type { Signal } from '../../domain/types';
import { scoreForm, scoreFromSignals, scoreTurn, signalsForMessage, SIGNAL_RULES, tagFor } from './lead-scoring';

const neutral = { isQuestion: true, sentiment: 'neutral' as const, urgency: 'normal' as const };

describe('lead scoring table', () => {
  it.each([
    ['pricing', 30],
    ['availability', 20],
    ['booking', 15],
    ['features', 15],
    ['support', 20],
    ['greeting', 10],
    ['not_interested', -20],
    ['complaint', 0],
    ['wants_human', 0],
  ] as const)('intent %s is worth %p points', (intent, points) => {
    const total = signalsForMessage({ intent, ...neutral }).reduce((s, x) => s + x.points, 0);
    expect(total).toBe(points);
  });

  it('scores "other" as a general inquiry when it asks, unrelated when it does not', () => {
    expect(signalsForMessage({ intent: 'other', ...neutral }).map((s) => s.code)).toEqual(['general_inquiry']);
    expect(signalsForMessage({ intent: 'other', ...neutral, isQuestion: false }).map((s) => s.code)).toEqual(['unrelated']);
  });

  it('adds sentiment and urgency', () => {
    const codes = (s: Signal[]) => s.map((x) => x.code).sort();
    expect(codes(signalsForMessage({ intent: 'pricing', isQuestion: true, sentiment: 'positive', urgency: 'high' }))).toEqual(['positive_sentiment', 'pricing', 'urgency']);
    expect(codes(signalsForMessage({ intent: 'pricing', isQuestion: true, sentiment: 'negative', urgency: 'critical' }))).toEqual(['negative_sentiment', 'pricing', 'urgency']);
    expect(signalsForMessage({ intent: 'pricing', isQuestion: true, sentiment: 'neutral', urgency: 'low' }).map((s) => s.code)).toEqual(['pricing']);
  });

  it.each([
    [0, 'COLD'],
    [39, 'COLD'],
    [40, 'WARM'],
    [69, 'WARM'],
    [70, 'HOT'],
    [100, 'HOT'],
  ] as const)('tag for %p is %s', (score, tag) => {
    expect(tagFor(score)).toBe(tag);
  });

  it('clamps to 0..100 and counts each signal code once', () => {
    expect(scoreFromSignals([SIGNAL_RULES.notInterested, SIGNAL_RULES.negative]).score).toBe(0);
    const many = [SIGNAL_RULES.pricing, SIGNAL_RULES.availability, SIGNAL_RULES.demo, SIGNAL_RULES.urgency, SIGNAL_RULES.features, SIGNAL_RULES.positive, SIGNAL_RULES.pricing];
    const s = scoreFromSignals(many);
    expect(s.score).toBe(100);
    expect(s.signals.filter((x) => x.code === 'pricing')).toHaveLength(1);
  });

  it('is cumulative over a conversation: a pricing lead who asks about availability with urgency turns HOT', () => {
    const t1 = scoreTurn([], { intent: 'greeting', isQuestion: false, sentiment: 'neutral', urgency: 'normal' }, 1);
    expect([t1.score, t1.tag]).toEqual([10, 'COLD']);
    const t2 = scoreTurn(t1.signals, { intent: 'pricing', ...neutral }, 2);
    expect([t2.score, t2.tag]).toEqual([40, 'WARM']);
    const t3 = scoreTurn(t2.signals, { intent: 'availability', isQuestion: true, sentiment: 'neutral', urgency: 'high' }, 3);
    // +20 availability, +15 urgency, +10 three messages
    expect([t3.score, t3.tag]).toEqual([85, 'HOT']);
    expect(t3.added.map((s) => s.code).sort()).toEqual(['availability', 'engaged', 'urgency']);
    // Asking about pricing again adds nothing.
    const t4 = scoreTurn(t3.signals, { intent: 'pricing', ...neutral }, 4);
    expect(t4.score).toBe(85);
    expect(t4.added).toEqual([]);
  });

  it('drops a lead who says not interested', () => {
    const t1 = scoreTurn([], { intent: 'pricing', ...neutral }, 1);
    const t2 = scoreTurn(t1.signals, { intent: 'not_interested', isQuestion: false, sentiment: 'neutral', urgency: 'normal' }, 2);
    expect(t2.score).toBe(10);
    expect(t2.tag).toBe('COLD');
  });
});

describe('scoreForm', () => {
  it('reads timeline urgency, a budget as buying intent and free text through the lexicons', () => {
    const s = scoreForm({ name: 'Ana', email: 'ana@example.com', timeline: 'ASAP', budget: '$5,000', message: 'Can you give me a price for a full roof replacement?' });
    expect(s.signals.map((x) => x.code).sort()).toEqual(['pricing', 'urgency']);
    expect(s.score).toBe(45);
    expect(s.tag).toBe('WARM');
  });

  it.each([
    [{ timeline: 'this week' }, 15],
    [{ timeline: 'next year' }, 0],
    [{ budget: 'not sure' }, 0],
    [{ budget: 2000 }, 30],
    [{ comments: 'Do you have availability on Saturday? Would love to hear back, thanks!' }, 30],
    [{ message: 'Not interested anymore, please ignore' }, 0],
  ] as const)('%j scores %p', (answers, expected) => {
    expect(scoreForm(answers as Record<string, unknown>).score).toBe(expected);
  });

  it('ignores identity fields and is deterministic', () => {
    const answers = { firstName: 'Interested Pricing', phone: '+15555550123', timeline: 'today' };
    expect(scoreForm(answers)).toEqual(scoreForm(answers));
    expect(scoreForm(answers).signals.map((s) => s.code)).toEqual(['urgency']);
  });
});
