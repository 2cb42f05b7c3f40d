/**
 * `npm run test:integration`: the tests that start real servers (NGINX, PostgreSQL) on loopback. One file at a
 * time, since each starts its own servers and some wait on real timeouts; `npm test` does not run them.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/integration'],
  testMatch: ['**/*.integration.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  maxWorkers: 1,
  testTimeout: 60_000,
};
