import { mergePatchBetween } from './api';

/** The form editor saves with PATCH (RFC 7396): what changed, null for what was removed, arrays whole. */
describe('mergePatchBetween', () => {
  const apply = (target: unknown, patch: unknown): unknown => {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
    const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = apply(out[k], v);
    }
    return out;
  };

  it('sends only changes, nulls for removed keys, nested objects merged, arrays replaced', () => {
    const before = { title: 'Talk to us', description: 'Old', fields: [{ name: 'a' }, { name: 'b' }], styling: { radiusPx: 6, colors: { primary: '#1d4ed8', text: '#111111' } } };
    const after = { title: 'Talk to us', fields: [{ name: 'b' }, { name: 'a' }], styling: { radiusPx: 0, colors: { primary: '#1d4ed8', text: '#222222' } }, submitLabel: 'Go' };
    const patch = mergePatchBetween(before, after);
    expect(patch).toEqual({ description: null, fields: [{ name: 'b' }, { name: 'a' }], styling: { radiusPx: 0, colors: { text: '#222222' } }, submitLabel: 'Go' });
    expect(apply(before, patch)).toEqual(after);
  });

  it('an optional value cleared in the editor (undefined) is removed, not left behind', () => {
    expect(mergePatchBetween({ title: 'A', description: 'B' }, { title: 'A', description: undefined })).toEqual({ description: null });
    expect(mergePatchBetween({ a: 1 }, { a: 1 })).toEqual({});
  });
});
