import { presentedApiKey, sessionCookieKey } from './presented-api-key';

const headers = (h: Record<string, string>) => (name: string) => h[name.toLowerCase()];

describe('the API key a request presents', () => {
  it('takes the bearer token first, then X-Api-Key, then the console session cookie', () => {
    const all = { authorization: 'Bearer tdm_a_1', 'x-api-key': 'tdm_b_2', cookie: 'theme=dark; tandem_session=tdm_c_3' };
    expect(presentedApiKey(headers(all))).toBe('tdm_a_1');
    expect(presentedApiKey(headers({ 'x-api-key': ' tdm_b_2 ', cookie: all.cookie }))).toBe('tdm_b_2');
    expect(presentedApiKey(headers({ cookie: all.cookie }))).toBe('tdm_c_3');
    expect(presentedApiKey(headers({ cookie: 'tandem_session=tdm_x%5Fy' }))).toBe('tdm_x_y');
  });

  it('finds none, rather than failing, in an empty bearer, another scheme, a look-alike cookie or a malformed one', () => {
    expect(presentedApiKey(headers({}))).toBeNull();
    expect(presentedApiKey(headers({ authorization: 'Bearer   ' }))).toBeNull();
    expect(presentedApiKey(headers({ authorization: 'Basic dXNlcjpwYXNz' }))).toBeNull();
    expect(presentedApiKey(headers({ cookie: 'not_tandem_session=tdm_a_1' }))).toBeNull();
    // A lone % is not valid percent-encoding: decodeURIComponent throws, which must be a 401, not a 500.
    expect(sessionCookieKey('tandem_session=%E0%A4%A')).toBeNull();
  });
});
