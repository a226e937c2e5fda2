import type { Config } from 'jest'

// Type checking runs once in `npm run typecheck`; ts-jest only transpiles, which keeps the suite fast.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  testTimeout: 60_000,
  maxWorkers: 2,
  setupFiles: ['<rootDir>/__tests__/setup/env.ts'],
  // One DynamoDB Local for the run; tests find it in process.env.DYNAMODB_ENDPOINT.
  globalSetup: '<rootDir>/__tests__/setup/global-setup.ts',
  globalTeardown: '<rootDir>/__tests__/setup/global-teardown.ts',
  reporters: ['default', '<rootDir>/scripts/summary-reporter.js'],
}

export default config
