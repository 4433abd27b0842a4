import { fetchPublicForm, newIdempotencyKey, postSubmission, readUtm, type SubmissionPayload } from './api';

const payload: SubmissionPayload = {
  values: { first_name: 'Ada' },
  consent: { checked: true, text: 'I agree.' },
  meta: { pageUrl: 'https://a.test/', referrer: '', utm: readUtm(''), startedAt: 1, submittedAt: 2, honeypot: '', formVersion: 1 },
};

function fakeFetch(status: number, body: unknown, seen: Array<{ url: string; init?: RequestInit }> = []): typeof fetch {
  return (async (url: string, init?: RequestInit) => {
    seen.push({ url, init });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  }) as unknown as typeof fetch;
}

describe('postSubmission', () => {
  it('posts JSON with the idempotency key to the form submissions URL', async () => {
    const seen: Array<{ url: string; init?: RequestInit }> = [];
    const out = await postSubmission('https://t.test/', 'f 1', payload, 'key-1', fakeFetch(201, { submission: { id: 's1' }, lead: { id: 'l1' } }, seen));
    expect(out).toEqual({ kind: 'created', submissionId: 's1', leadId: 'l1' });
    expect(seen[0]!.url).toBe('https://t.test/api/v1/forms/f%201/submissions');
    expect(seen[0]!.init).toMatchObject({ method: 'POST', credentials: 'omit', headers: { 'Idempotency-Key': 'key-1', 'Content-Type': 'application/json' } });
    expect(JSON.parse(seen[0]!.init!.body as string)).toEqual(payload);
  });

  it('sorts answers: 422 field errors, other 4xx refused, 5xx/429/network retryable', async () => {
    const fields = { email: 'Bad email.' };
    await expect(postSubmission('https://t.test', 'f', payload, 'k', fakeFetch(422, { error: { code: 'validation_failed', message: 'Check', details: { fields } } }))).resolves.toEqual({
      kind: 'invalid',
      fields,
      message: 'Check',
    });
    await expect(postSubmission('https://t.test', 'f', payload, 'k', fakeFetch(404, { error: { code: 'not_found', message: 'This form is closed.' } }))).resolves.toEqual({
      kind: 'refused',
      message: 'This form is closed.',
    });
    await expect(postSubmission('https://t.test', 'f', payload, 'k', fakeFetch(429, { error: { code: 'rate_limited', message: 'Slow down.' } }))).resolves.toEqual({
      kind: 'failed',
      message: 'Slow down.',
    });
    await expect(postSubmission('https://t.test', 'f', payload, 'k', fakeFetch(502, '<html>bad gateway</html>'))).resolves.toMatchObject({ kind: 'failed' });
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    await expect(postSubmission('https://t.test', 'f', payload, 'k', offline)).resolves.toMatchObject({ kind: 'failed' });
  });
});

describe('fetchPublicForm', () => {
  it('returns the form or throws', async () => {
    const form = { id: 'demo', fields: [] };
    await expect(fetchPublicForm('https://t.test', 'demo', fakeFetch(200, { form }))).resolves.toEqual(form);
    await expect(fetchPublicForm('https://t.test', 'demo', fakeFetch(404, { error: { code: 'not_found' } }))).rejects.toThrow('HTTP 404');
    await expect(fetchPublicForm('https://t.test', 'demo', fakeFetch(200, { nope: 1 }))).rejects.toThrow('no form');
  });
});

describe('readUtm and newIdempotencyKey', () => {
  it('reads the five UTM tags, empty ones as null', () => {
    expect(readUtm('?utm_source=google&utm_medium=cpc&utm_campaign=&utm_term=roof%20repair&x=1')).toEqual({
      source: 'google',
      medium: 'cpc',
      campaign: null,
      term: 'roof repair',
      content: null,
    });
  });

  it('makes v4 UUIDs, also where crypto.randomUUID is missing (http pages)', () => {
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(newIdempotencyKey()).toMatch(v4);
    // Shadow the prototype's randomUUID as an http page would lack it.
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    const random = jest.spyOn(crypto, 'getRandomValues');
    try {
      const keys = new Set(Array.from({ length: 50 }, newIdempotencyKey));
      expect(random).toHaveBeenCalledTimes(50);
      expect(keys.size).toBe(50);
      for (const k of keys) expect(k).toMatch(v4);
    } finally {
      random.mockRestore();
      delete (crypto as { randomUUID?: unknown }).randomUUID;
    }
    expect(newIdempotencyKey()).toMatch(v4);
  });
});
