// @ts-check
const { readFileSync } = require('node:fs');

// One transform for every project: swc with decorator metadata (NestJS needs it), as in the build.
const swc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
/** @type {import('jest').Config['transform']} */
const transform = { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] };
// Path aliases come from tsconfig.base.json, the one place they are declared.
const { paths } = JSON.parse(readFileSync(`${__dirname}/tsconfig.base.json`, 'utf8')).compilerOptions;
const moduleNameMapper = Object.fromEntries(
  Object.entries(paths).map(([alias, [target]]) => [`^${alias.replace('/', '\\/')}$`, `<rootDir>/${target}`]),
);

/** @type {import('jest').Config} */
const config = {
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      transform,
      moduleNameMapper,
      testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'],
    },
    {
      displayName: 'integration',
      rootDir: __dirname,
      testEnvironment: 'node',
      transform,
      moduleNameMapper,
      testMatch: ['<rootDir>/{apps,libs,tools}/**/*.int.ts'],
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testEnvironment: 'node',
      transform,
      moduleNameMapper,
      testMatch: ['<rootDir>/tests/e2e/**/*.e2e.ts'],
    },
  ],
};

module.exports = config;
