import nock from 'nock';

nock.disableNetConnect();
// Local servers (supertest, PostgreSQL, Redis, the app itself) stay reachable.
nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\]|::1)(:\d+)?$/.test(host));

afterEach(() => {
  nock.cleanAll();
});
