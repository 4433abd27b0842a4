import { checkOutput, unsupportedPrices } from './output.guardrail';

const ctx = {
  knowledgeText: 'Pricing\nInspections cost $149. Replacements start at $8,500. We offer a 10-year warranty. Call us at (415) 555-0100.',
  linkAllowList: ['acme.com'],
  segmentCap: 2,
};

describe('output guardrail', () => {
  it('passes a grounded reply', () => {
    expect(checkOutput('Inspections cost $149 and we offer a 10-year warranty. Book at https://book.acme.com/roof', ctx)).toEqual([]);
  });

  it.each([
    ['Inspections are only $99 this week!', 'unsupported_price:$99'],
    ['That would be about 200 dollars.', 'unsupported_price:200 dollars'],
    ['Get 20% off if you sign today.', 'unsupported_price:20% off'],
    ['All jobs come with a money-back guarantee.', 'unsupported_claim:money-back'],
    ['We can do free installation.', 'unsupported_claim:free installation'],
    ['See https://evil.example.net/deal', 'link_not_allowed:evil.example.net'],
    ['Visit cheap-roofs.com for more', 'link_not_allowed:cheap-roofs.com'],
    ['As an AI language model, I cannot say.', 'ai_boilerplate'],
    ['Text Bob at 415-555-0199 please', 'pii:phone'],
    ['Email bob@gmail.com', 'pii:email'],
    ['x'.repeat(400), 'too_long:3_segments'],
    ['  ', 'empty_reply'],
  ])('flags %#: %s', (reply, violation) => {
    expect(checkOutput(reply, ctx)).toContain(violation);
  });

  it('allows contact details and amounts that the knowledge holds', () => {
    expect(checkOutput('Call us at 415-555-0100. Replacements start at $8500.', ctx)).toEqual([]);
    expect(unsupportedPrices('It is $8,500.00', ctx.knowledgeText)).toEqual([]);
  });
});
