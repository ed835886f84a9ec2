/**
 * Two projects: unit specs beside the code, and e2e specs in test/ that boot the real app against
 * real PostgreSQL (TEST_DATABASE_URL / DATABASE_URL when set, otherwise an embedded server that
 * test/support/global-setup.mjs starts for the run).
 *
 * Native ESM (the project is ESM, as are Nest 12's packages): `npm test` runs Jest with
 * --experimental-vm-modules, ts-jest emits ESM, and the `.js` of relative imports maps back to `.ts`.
 */
import vm from 'node:vm';

/**
 * ESM-only packages that CommonJS dependencies require() (light-my-request requires cookie 2). Node
 * loads them natively, and so does Jest on Node 24.9+ (detected as Jest does); on older Node, Jest's
 * CommonJS loader cannot, so they are compiled to CommonJS for Jest alone.
 */
const jestRequiresEsm = typeof vm.SourceTextModule?.prototype.hasAsyncGraph === 'function';
const REQUIRED_ESM = ['cookie'];

const transform = {
  // A full TypeScript program (not tsconfig's per-file isolatedModules): the Swagger plugin reads
  // types through it, as under `nest build`, and the specs are type-checked as they run. ts-jest's
  // program mode does not support NodeNext, so it compiles as ESNext with bundler resolution, which
  // accepts the same `.js` specifiers.
  '^.+\\.ts$': [
    'ts-jest',
    {
      useESM: true,
      tsconfig: { isolatedModules: false, module: 'esnext', moduleResolution: 'bundler' },
      astTransformers: { before: ['<rootDir>/test/support/swagger-transformer.cjs'] },
    },
  ],
  ...(jestRequiresEsm
    ? {}
    : {
        [`/node_modules/(${REQUIRED_ESM.join('|')})/.+\\.js$`]: [
          'ts-jest',
          {
            tsconfig: {
              allowJs: true,
              module: 'commonjs',
              moduleResolution: 'node10',
              ignoreDeprecations: '6.0',
              isolatedModules: true,
              verbatimModuleSyntax: false,
            },
          },
        ],
      }),
};
const common = {
  rootDir: import.meta.dirname,
  moduleFileExtensions: ['js', 'json', 'ts'],
  testEnvironment: 'node',
  transform,
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transformIgnorePatterns: jestRequiresEsm ? ['/node_modules/'] : [`/node_modules/(?!(${REQUIRED_ESM.join('|')})/)`],
};

export default {
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
  ],
};
