/**
 * One suite, two tiers of backing services: with no DATABASE_URL / REDIS_URL the tests run on the
 * embedded defaults (PGlite, in-process queue); with them set, the very same tests run on PostgreSQL
 * and Redis. Platform-native sub-projects (HubSpot card, Salesforce DX) keep their own test runners.
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', tsx: true, decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, react: { runtime: 'automatic' } },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(preact)/)'],
  testMatch: ['<rootDir>/**/*.test.ts', '<rootDir>/**/*.test.tsx'],
  testPathIgnorePatterns: [
    '/node_modules/',
    '<rootDir>/connectors/hubspot/project/',
    '<rootDir>/connectors/salesforce/force-app/',
    '<rootDir>/connectors/salesforce/node_modules/',
    '<rootDir>/dist/',
  ],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
};
