// Lint guards the architecture first: boundaries carry a message saying why.
import tseslint from 'typescript-eslint';

const coreMustNotImport = [
  { regex: '^(\\.\\./)+server(/|$)', message: 'core/ knows nothing of the server: pass what it needs through config or ports.' },
  { regex: '^(\\.\\./)+connectors(/|$)', message: 'core/ must not depend on connectors: they depend on core, through its ports.' },
  { regex: '^(\\.\\./)+(widget|console)(/|$)', message: 'core/ must not depend on UI code.' },
  { group: ['express', '@slack/*', '@hubspot/*', 'react', 'react-dom', 'preact', 'preact/*'], message: 'core/ is platform-free: Express, Slack, HubSpot and UI code live in server/, connectors/ or widget/.' },
];

const connectorMayNotReachInto = (self) => [
  { regex: '^(\\.\\./)+core/(?!index$)', message: "Connectors use core's public surface only: import from 'core/index'." },
  { regex: '^(\\.\\./)+server(/|$)', message: 'Connectors get what they need from the ConnectorContext, not from server internals.' },
  ...['hubspot', 'salesforce', 'slack']
    .filter((c) => c !== self)
    .map((c) => ({ regex: `^(\\.\\./)+(connectors/)?${c}(/|$)`, message: 'Connectors never import each other.' })),
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'dist/**',
      'coverage/**',
      '.tandem/**',
      'widget/dist/**',
      'server/public/**',
      'connectors/hubspot/project/**',
      'connectors/salesforce/force-app/**',
      'connectors/salesforce/node_modules/**',
      'connectors/salesforce/jest.config.js',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parser: tseslint.parser, parserOptions: { ecmaVersion: 2022, sourceType: 'module' } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      'no-debugger': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'describe', property: 'only', message: 'No focused tests on main.' },
        { object: 'it', property: 'only', message: 'No focused tests on main.' },
        { object: 'test', property: 'only', message: 'No focused tests on main.' },
        { object: 'describe', property: 'skip', message: 'No skipped tests: finish it or say so in the issue note.' },
        { object: 'it', property: 'skip', message: 'No skipped tests: finish it or say so in the issue note.' },
        { object: 'test', property: 'skip', message: 'No skipped tests: finish it or say so in the issue note.' },
      ],
    },
  },
  { files: ['core/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: coreMustNotImport }] } },
  { files: ['connectors/hubspot/**/*.ts', 'connectors/hubspot/**/*.tsx'], rules: { 'no-restricted-imports': ['error', { patterns: connectorMayNotReachInto('hubspot') }] } },
  { files: ['connectors/salesforce/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: connectorMayNotReachInto('salesforce') }] } },
  { files: ['connectors/slack/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: connectorMayNotReachInto('slack') }] } },
  {
    // Integration tests compose the real server around a connector; connector code itself may not.
    files: ['connectors/**/*.test.ts', 'connectors/**/test-support/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['console/src/**/*.ts', 'console/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+core/(?!domain/|forms/)',
              message: 'The console uses the public API; it may share only domain types and the form contracts.',
            },
            { group: ['**/server/**', '**/connectors/**'], message: 'The console talks to the server over HTTP, never by import.' },
          ],
        },
      ],
    },
  },
  {
    files: ['widget/**/*.ts', 'widget/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(\\.\\./)+core/(?!forms/)', message: 'The widget imports only the shared form contracts (core/forms).' },
            { group: ['**/server/**', '**/connectors/**'], message: 'The widget runs on customer sites: no server or connector code.' },
          ],
        },
      ],
    },
  },
);
