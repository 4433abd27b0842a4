// Tests never reach the internet: every vendor API is mocked with nock at the HTTP boundary.
process.env.TZ = 'UTC';
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'silent';
