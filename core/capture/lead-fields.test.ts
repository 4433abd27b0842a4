import { demoFormDefinition, parseFormDefinition } from '../forms/form-definition';
import { scoreForm } from '../ai/scoring/lead-scoring';
import { leadFieldsFrom, scoringAnswers } from './lead-fields';
import { mergeScore } from './capture.service';

const demo = demoFormDefinition('Acme Homes');

const custom = parseFormDefinition({
  id: 'f1',
  name: 'Spring campaign',
  version: 1,
  fields: [
    { type: 'text', name: 'who', label: 'Your name', autocomplete: 'name' },
    { type: 'text', name: 'org', label: 'Company', autocomplete: 'organization' },
    { type: 'email', name: 'work_email', label: 'Work email' },
    { type: 'phone', name: 'mobile', label: 'Mobile' },
    { type: 'hidden', name: 'source', label: 'Source', defaultValue: 'google-ads' },
  ],
  consent: { text: 'I agree to receive text messages from Acme about my enquiry. Reply STOP to opt out.' },
});

describe('leadFieldsFrom', () => {
  it('maps the demo form by field names and uses the form name as the source', () => {
    const f = leadFieldsFrom(demo, { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', phone: '+14155550100', interest: 'quote' });
    expect(f).toEqual({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', company: null, source: 'Demo form' });
  });

  it('reads autocomplete tokens, splits a full name, and prefers a source hidden field', () => {
    const f = leadFieldsFrom(custom, { who: 'Grace Brewster Hopper', org: 'US Navy', work_email: 'grace@navy.example', mobile: '+14155550100', source: 'linkedin' });
    expect(f).toEqual({ firstName: 'Grace', lastName: 'Brewster Hopper', email: 'grace@navy.example', company: 'US Navy', source: 'linkedin' });
  });

  it('leaves what the form did not ask as null', () => {
    expect(leadFieldsFrom(custom, { mobile: '+14155550100' })).toEqual({ firstName: null, lastName: null, email: null, company: null, source: 'Spring campaign' });
  });
});

describe('scoringAnswers', () => {
  it('gives choices as their labels and drops contact details, ticks and hidden values', () => {
    const a = scoringAnswers(demo, {
      first_name: 'Ada',
      email: 'ada@example.com',
      phone: '+14155550100',
      interest: 'pricing',
      timeline: 'this_month',
      message: 'Looking to buy a three bedroom house',
      sms_consent: true,
    });
    expect(a).toEqual({ first_name: 'Ada', interest: 'Pricing information', timeline: 'This month', message: 'Looking to buy a three bedroom house' });
    // Labels are what make "this_month" count as urgency.
    expect(scoreForm(a).signals.map((s) => s.code)).toContain('urgency');
    expect(scoreForm({ timeline: 'this_month' }).signals.map((s) => s.code)).not.toContain('urgency');
  });
});

describe('mergeScore', () => {
  const fresh = { score: 15, tag: 'COLD' as const, signals: [{ code: 'urgency', label: 'Used urgency words', points: 15 }] };

  it('is the fresh score for a new lead', () => {
    expect(mergeScore(null, fresh)).toEqual(fresh);
  });

  it('unions signals: what a lead showed in texts still counts, a repeated signal counts once', () => {
    const existing = {
      score: 50,
      tag: 'WARM' as const,
      signals: [
        { code: 'pricing', label: 'Asked about pricing or buying', points: 30 },
        { code: 'availability', label: 'Asked about availability', points: 20 },
      ],
    };
    const merged = mergeScore(existing, fresh);
    expect(merged.score).toBe(65);
    expect(merged.tag).toBe('WARM');
    expect(merged.signals.map((s) => s.code)).toEqual(['pricing', 'availability', 'urgency']);
    expect(mergeScore({ ...existing, score: 65, signals: merged.signals }, fresh).score).toBe(65);
  });

  it('keeps a higher score that came without signals (set by hand or imported)', () => {
    expect(mergeScore({ score: 80, tag: 'HOT', signals: [] }, fresh)).toEqual({ score: 80, tag: 'HOT', signals: fresh.signals });
  });
});
