// The tiers (see docs/testing.md): unit tests next to the code, integration tests of one adapter or
// service against the real services, and end-to-end tests through the public HTTP API and the CLI.
const { compilerOptions } = require('./tsconfig.json');

const swcTransform = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

const moduleNameMapper = Object.fromEntries(Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]));

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swcTransform },
  moduleNameMapper,
  // .tools holds the pinned Node releases (scripts/prereqs.sh), each with a package.json of the same name.
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.lockbox', '<rootDir>/analysis-sdk/dist/', '<rootDir>/.tools/'],
};

module.exports = {
  // Jest 30 reads testTimeout only at the top level. Integration and e2e tests wait on real containers.
  testTimeout: 120_000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,analysis-sdk,sample-analyses,scripts,bench}/**/*.spec.ts'],
    },
    {
      // The SQL the safety story rests on, against a real PostgreSQL: one server for the project, a
      // template migrated once, and a database cloned from it for each suite (test/database/support).
      ...shared,
      displayName: 'database',
      testMatch: ['<rootDir>/test/database/**/*.db-spec.ts'],
      globalSetup: '<rootDir>/test/database/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/database/support/global-teardown.ts',
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      ...shared,
      displayName: 'sandbox',
      testMatch: ['<rootDir>/test/sandbox/**/*.sandbox-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      // The console in a real browser (Debian's Chromium through playwright-core) against the test stack.
      ...shared,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      ...shared,
      displayName: 'reliability',
      testMatch: ['<rootDir>/test/reliability/**/*.reliability-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
