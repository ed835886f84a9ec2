/**
 * Three projects: unit specs beside the code; medium specs in test/medium/ that run the services'
 * rules against real PostgreSQL without HTTP (`npm run test:fast` runs these two); and e2e specs in
 * test/ that boot the real app. Medium and e2e share the server: TEST_DATABASE_URL / DATABASE_URL
 * when set, otherwise an embedded one that test/support/global-setup.mjs starts once for the run.
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
/**
 * The medium specs call services, not routes, so no OpenAPI metadata is needed: each file is
 * transpiled on its own, without the program that type-checks (`npm run typecheck` does), which
 * keeps `npm run test:fast` quick.
 */
const transpileOnly = {
  ...transform,
  '^.+\\.ts$': [
    'ts-jest',
    { useESM: true, tsconfig: { isolatedModules: true, module: 'esnext', moduleResolution: 'bundler' } },
  ],
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
      displayName: 'medium',
      transform: transpileOnly,
      testMatch: ['<rootDir>/test/medium/*.medium-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
  ],
};
