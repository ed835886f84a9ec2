/**
 * Two projects: unit specs beside the code, and e2e specs in test/ that boot the real app against
 * real PostgreSQL (TEST_DATABASE_URL / DATABASE_URL when set, otherwise an embedded server that
 * test/support/global-setup.ts starts for the run).
 */
const transform = {
  '^.+\\.ts$': ['ts-jest', { astTransformers: { before: ['<rootDir>/test/support/swagger-transformer.js'] } }],
};
const common = { rootDir: __dirname, moduleFileExtensions: ['js', 'json', 'ts'], testEnvironment: 'node', transform };

module.exports = {
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
