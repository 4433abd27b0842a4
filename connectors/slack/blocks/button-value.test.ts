import { decodeAutonomyChoice, decodeButtonValue, encodeAutonomyChoice, encodeButtonValue } from './button-value';

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

  it('round-trips an autonomy choice within the 150 characters Slack allows an option value', () => {
    for (const autonomy of ['autopilot', 'copilot', 'off', null] as const) {
      const choice = { conversationId: '0b6f6a8e-1d1f-4d2b-9b7e-1c2d3e4f5a6b', version: 123456, autonomy };
      const raw = encodeAutonomyChoice(choice);
      expect(decodeAutonomyChoice(raw)).toEqual(choice);
      expect(raw.length).toBeLessThanOrEqual(150);
    }
  });

  it.each([undefined, '{"c":"a","v":1}', '{"c":"a","v":1,"a":"yolo"}', '{"c":"a","v":1,"a":null}'])('refuses the autonomy choice %p', (raw) => {
    expect(() => decodeAutonomyChoice(raw)).toThrow('slack.bad_button_value');
  });
});
