/**
 * `npm run test:live`: the strangler fig promoted on a real node (scripts/node.sh) while traffic flows: phases
 * 0 -> 1 -> 2 -> 1 -> 0 with real pods. One file, one worker, long timeouts; `npm test` does not run it.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/live'],
  testMatch: ['**/*.live.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  globalSetup: '<rootDir>/test/live/global-setup.ts',
  globalTeardown: '<rootDir>/test/live/global-teardown.ts',
  maxWorkers: 1,
  testTimeout: 900_000,
};
