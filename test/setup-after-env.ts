import nock from 'nock';

// nock patches Node's http module, which jest workers share between test files: activate it for
// each file and restore it after, or the next file in the same worker inherits a stale interceptor.
if (!nock.isActive()) nock.activate();
nock.disableNetConnect();
// Local servers (supertest, PostgreSQL, Redis, the app itself) stay reachable.
nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\]|::1)(:\d+)?$/.test(host));

afterEach(() => {
  nock.cleanAll();
});

afterAll(() => {
  nock.cleanAll();
  nock.restore();
});
