import { classifyKeyword } from './keywords';

type Row = [body: string, kind: 'opt_out' | 'opt_in' | 'help' | null, matched: string | null, natural: boolean];

const keywordOptOuts: Row[] = [
  ['STOP', 'opt_out', 'STOP', false],
  ['stop', 'opt_out', 'STOP', false],
  ['Stop.', 'opt_out', 'STOP', false],
  ['  stop  ', 'opt_out', 'STOP', false],
  ['stop!!', 'opt_out', 'STOP', false],
  ['STOP please', 'opt_out', 'STOP', false],
  ['Please stop', 'opt_out', 'STOP', false],
  ['Stop, thank you', 'opt_out', 'STOP', false],
  ['stop stop stop', 'opt_out', 'STOP', false],
  ['"STOP"', 'opt_out', 'STOP', false],
  ['STOPALL', 'opt_out', 'STOPALL', false],
  ['stop all', 'opt_out', 'STOPALL', false],
  ['Unsubscribe', 'opt_out', 'UNSUBSCRIBE', false],
  ['cancel', 'opt_out', 'CANCEL', false],
  ['END', 'opt_out', 'END', false],
  ['quit', 'opt_out', 'QUIT', false],
  ['Revoke', 'opt_out', 'REVOKE', false],
  ['OPTOUT', 'opt_out', 'OPTOUT', false],
  ['opt out', 'opt_out', 'OPTOUT', false],
  ['Opt-out', 'opt_out', 'OPTOUT', false],
  ['STOP 🙏', 'opt_out', 'STOP', false],
  ['🛑', 'opt_out', 'STOP', false],
  ['Stop. I already bought a house.', 'opt_out', 'STOP', false],
  ['Cancel! Found another agent', 'opt_out', 'CANCEL', false],
  ['stop\nthanks', 'opt_out', 'STOP', false],
];

const naturalOptOuts: Row[] = [
  ['stop texting me', 'opt_out', 'stop texting me', true],
  ['Please stop messaging me!', 'opt_out', 'stop messaging me', true],
  ['how do I stop these texts?', 'opt_out', 'stop these texts', true],
  ['Remove my number', 'opt_out', 'remove my number', true],
  ['remove me from your list please', 'opt_out', 'remove me', true],
  ["don't text me again", 'opt_out', "don't text me", true],
  ['Don’t text me again', 'opt_out', "don't text me", true],
  ['do not contact me', 'opt_out', 'do not contact me', true],
  ['unsubscribe me please', 'opt_out', 'UNSUBSCRIBE', false],
  ['unsubscribe me from these texts', 'opt_out', 'unsubscribe me', true],
  ['stop sending me messages', 'opt_out', 'stop sending me messages', true],
  ['please take me off your list', 'opt_out', 'take me off', true],
  ['no more texts', 'opt_out', 'no more texts', true],
  ['NO MORE MESSAGES!!!', 'opt_out', 'no more messages', true],
  ['leave me alone', 'opt_out', 'leave me alone', true],
  ["I don't want any more texts from you", 'opt_out', "i don't want any more texts", true],
  ['wrong number', 'opt_out', 'wrong number', true],
  ['opt me out', 'opt_out', 'opt me out', true],
  ['no me escribas más', 'opt_out', 'no me escribas', true],
  ['Por favor no me envíen mensajes', 'opt_out', 'no me envien', true],
  ['baja', 'opt_out', 'baja', true],
  ['quiero darme de baja', 'opt_out', 'darme de baja', true],
  ['no quiero más mensajes', 'opt_out', 'no quiero mas mensajes', true],
  ['ALTO', 'opt_out', 'alto', true],
];

const optIns: Row[] = [
  ['START', 'opt_in', 'START', false],
  ['start', 'opt_in', 'START', false],
  ['Yes', 'opt_in', 'YES', false],
  ['yes please!', 'opt_in', 'YES', false],
  ['UNSTOP', 'opt_in', 'UNSTOP', false],
];

const helps: Row[] = [
  ['HELP', 'help', 'HELP', false],
  ['help?', 'help', 'HELP', false],
  ['Info', 'help', 'INFO', false],
  ['info please', 'help', 'INFO', false],
];

// Keywords used inside ordinary sentences are conversation, not commands.
const negatives: Row[] = [
  ['can you stop by at 5?', null, null, false],
  ['the end of the month works', null, null, false],
  // Decided: asking to cancel an appointment is not revoking consent to texts (see keywords.ts).
  ['cancel my appointment?', null, null, false],
  ['I need to cancel my viewing on Tuesday', null, null, false],
  ['I quit my job last week so timing is tight', null, null, false],
  ['Is the kitchen at the end of the hall?', null, null, false],
  ['stopped by the open house yesterday', null, null, false],
  ['What time does the open house start?', null, null, false],
  ['Yes, Tuesday works', null, null, false],
  ['yes I am interested in the 3 bedroom', null, null, false],
  ['Can you help me find a condo?', null, null, false],
  ['more info on the price please', null, null, false],
  ["don't stop texting me, I love the updates", null, null, false],
  ['I can’t stop thinking about that house', null, null, false],
  ['please stop sending the brochures by mail, text is fine', null, null, false],
  ["Don't text me before noon", null, null, false],
  ['not interested right now', null, null, false],
  ['Backend developer here, looking for a place', null, null, false],
  ['unstoppable deals?', null, null, false],
  ['no más de 300 mil', null, null, false],
  ['busco una casa con planta baja', null, null, false],
  ['Stop start', null, null, false],
  ['', null, null, false],
  ['   ', null, null, false],
  ['👍', null, null, false],
  ['Sounds good, call me', null, null, false],
];

describe('classifyKeyword', () => {
  const table = [...keywordOptOuts, ...naturalOptOuts, ...optIns, ...helps, ...negatives];

  it('has a broad table', () => {
    expect(table.length).toBeGreaterThanOrEqual(60);
  });

  it.each(table)('%j → %s (%s, natural=%s)', (body, kind, matched, natural) => {
    expect(classifyKeyword(body)).toEqual({ kind, matched, natural });
  });

  it('rejects a non-string body with a clear error', () => {
    expect(() => classifyKeyword(null as unknown as string)).toThrow(/body must be a string/);
  });
});
