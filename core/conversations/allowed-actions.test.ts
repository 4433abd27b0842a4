import { allowedActions } from './allowed-actions';
import { maskPhone } from './phone-mask';

describe('allowedActions', () => {
  const base = { mode: 'ai' as const, status: 'open' as const, hasPendingDraft: false, optedOut: false };

  it.each([
    ['ai mode, no draft', base, ['takeover', 'send', 'note', 'close', 'set_autonomy']],
    ['ai mode with a pending draft', { ...base, hasPendingDraft: true }, ['approve', 'edit', 'discard', 'takeover', 'send', 'note', 'close', 'set_autonomy']],
    ['human mode', { ...base, mode: 'human' as const }, ['handback', 'send', 'note', 'close', 'set_autonomy']],
    ['needs a human', { ...base, status: 'needs_human' as const }, ['takeover', 'send', 'note', 'close', 'set_autonomy']],
    ['opted out with a draft: nothing may be sent', { ...base, hasPendingDraft: true, optedOut: true }, ['discard', 'takeover', 'note', 'close', 'set_autonomy']],
    ['closed', { ...base, status: 'closed' as const, hasPendingDraft: true }, ['note', 'reopen']],
  ])('%s', (_name, state, expected) => {
    expect(allowedActions(state)).toEqual(expected);
  });
});

describe('maskPhone', () => {
  it.each([
    ['+14155550142', '+1 •••• ••• 0142'],
    ['+447700900123', '+44 •••• ••• 0123'],
    ['+33612345678', '+33 •••• ••• 5678'],
  ])('%s → %s', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });

  it('never shows more than the last four digits', () => {
    expect(maskPhone('+12125550199').replace(/\D/g, '')).toBe('10199');
  });
});
