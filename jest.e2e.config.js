/**
 * `npm run test:e2e`: `pulumi up` of a throwaway stack through every phase on the local control plane of
 * scripts/cluster.sh (started here when it is not running). Sequential and slow by nature: one file, one worker,
 * long timeouts; `npm test` does not run it.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  globalSetup: '<rootDir>/test/e2e/global-setup.ts',
  globalTeardown: '<rootDir>/test/e2e/global-teardown.ts',
  maxWorkers: 1,
  testTimeout: 600_000,
};
