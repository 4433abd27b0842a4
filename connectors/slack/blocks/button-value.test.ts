import { decodeButtonValue, encodeButtonValue } from './button-value';

describe('button values', () => {
  it('round-trips and stays small', () => {
    const v = { conversationId: '0b6f6a8e-1d1f-4d2b-9b7e-1c2d3e4f5a6b', version: 12, draftId: '7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f' };
    const raw = encodeButtonValue(v);
    expect(decodeButtonValue(raw)).toEqual(v);
    expect(raw.length).toBeLessThan(2000);
    expect(decodeButtonValue(encodeButtonValue({ ...v, draftId: null }))).toEqual({ ...v, draftId: null });
  });

  it.each([undefined, '', 'x', '{}', '{"c":"a"}', '{"c":"a","v":1.5}', '{"c":"a","v":1,"d":3}'])('refuses %p', (raw) => {
    expect(() => decodeButtonValue(raw)).toThrow('slack.bad_button_value');
  });
});
