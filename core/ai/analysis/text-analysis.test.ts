import { analyzeText, detectLanguage, extractEntities, normalizeText } from './text-analysis';

describe('text analysis (offline lexicons)', () => {
  it.each([
    ['How much do you charge for a roof inspection?', 'pricing'],
    ['cuánto cuesta la instalación?', 'pricing'],
    ['Are you available this Saturday?', 'availability'],
    ['Can I book a demo for Tuesday?', 'booking'],
    ['Does it integrate with Salesforce?', 'features'],
    ["I can't log in to my account", 'support'],
    ['This is the worst service, totally unacceptable', 'complaint'],
    ['No thanks, we went with another company', 'not_interested'],
    ['Can I talk to a real person please', 'wants_human'],
    ['please stop texting me', 'opt_out'],
    ['no me escriban más', 'opt_out'],
    ['Hola!', 'greeting'],
    ['Bonjour', 'greeting'],
    ['Guten Tag', 'greeting'],
    ['hi, how much is it?', 'pricing'],
    ['lol ok', 'other'],
  ])('%s → %s', (text, intent) => {
    expect(analyzeText(text).intent).toBe(intent);
  });

  it.each([
    ['Hola, necesito una cotización', 'es'],
    ['Bonjour, combien pour une visite?', 'fr'],
    ['Hallo, wie viel kostet das?', 'de'],
    ['Olá, quanto custa?', 'pt'],
    ['Hi, what are your prices?', 'en'],
    ['ok', null],
  ])('language of %s is %p', (text, lang) => {
    expect(detectLanguage(normalizeText(text))).toBe(lang);
  });

  it('reads sentiment with negation and urgency', () => {
    expect(analyzeText('Great, thanks!').sentiment).toBe('positive');
    expect(analyzeText('I am not happy with this').sentiment).toBe('negative');
    expect(analyzeText('not bad at all').sentiment).not.toBe('negative');
    expect(analyzeText('water everywhere, emergency!').urgency).toBe('critical');
    expect(analyzeText('can you come tomorrow?').urgency).toBe('high');
    expect(analyzeText('no rush, whenever').urgency).toBe('low');
  });

  it('extracts entities and masks phone numbers', () => {
    const entities = extractEntities('Call me at (415) 555-0142 tomorrow at 3pm, budget $2,500, email ana@example.com');
    expect(entities).toEqual(
      expect.arrayContaining([
        { type: 'phone', value: '•••42' },
        { type: 'date', value: 'tomorrow' },
        { type: 'time', value: '3pm' },
        { type: 'money', value: '$2,500' },
        { type: 'email', value: 'ana@example.com' },
      ]),
    );
    expect(JSON.stringify(analyzeText('my cell is 415 555 0142').summary)).not.toContain('0142');
  });

  it('tells questions from statements', () => {
    expect(analyzeText('what time do you open').isQuestion).toBe(true);
    expect(analyzeText('¿tienen cita hoy').isQuestion).toBe(true);
    expect(analyzeText('Thanks, see you then.').isQuestion).toBe(false);
  });
});
