/** Type-checking runs once in `npm run build`; tests transpile only, which keeps `npm test` fast. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Tests against real servers run with `npm run test:integration` and `npm run test:e2e`, on their own configs.
  testPathIgnorePatterns: ['/node_modules/', '/test/integration/', '/test/e2e/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
