/** Type-checking runs once in `npm run build`; tests transpile only, which keeps `npm test` fast. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Tests against real servers run with `npm run test:integration`, `npm run test:e2e` and `npm run test:live`,
  // on their own configs.
  testPathIgnorePatterns: ['/node_modules/', '/test/integration/', '/test/e2e/', '/test/live/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
  // A Pulumi program run under mocks takes 1-3 s, over 5 s (jest's default) on a busy 2-core machine: a timeout
  // there would be a flake, not a finding. Timings are measured by `npm run bench`, never asserted.
  testTimeout: 30_000,
  // One worker per core: jest's default (cores - 1) leaves one of this 2-core machine's cores idle while the main
  // process only waits (79 s -> 51 s for `npm test`).
  maxWorkers: '100%',
};
