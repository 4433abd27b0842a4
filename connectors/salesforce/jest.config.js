// sfdx-lwc-jest brings jest 29 and the LWC transform; @sa11y/jest adds toBeAccessible() (axe-core rules).
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
  ...jestConfig,
  setupFilesAfterEnv: [...(jestConfig.setupFilesAfterEnv || []), '<rootDir>/jest-sa11y-setup.js'],
  // Only the LWC tests: backend/*.test.ts and index.test.ts run under the root jest.
  testMatch: ['<rootDir>/force-app/**/__tests__/**/*.test.js'],
  modulePathIgnorePatterns: ['<rootDir>/.localdevserver', '<rootDir>/tandem-config'],
  testTimeout: 10000,
};
