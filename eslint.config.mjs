// Lint runs with zero warnings allowed (npm run lint). Module boundaries encode the architecture:
// apps depend on libs, never on each other; contracts and utils depend on nothing app-shaped.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.data/**', '**/tmp/**', 'libs/proto/src/generated/**', '**/*.js', '**/*.mjs'] },
  ...nx.configs['flat/base'],
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // Architecture layers.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:contract'] },
            { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:contract'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contract'] },
            { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:tool', 'type:data-access', 'type:util', 'type:contract'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:testing', 'type:tool', 'type:data-access', 'type:util', 'type:contract'] },
            // Ownership: a service's code is its own; everything shared is scope:shared.
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:consent-service', onlyDependOnLibsWithTags: ['scope:shared', 'scope:consent-service'] },
            { sourceTag: 'scope:feature-gateway', onlyDependOnLibsWithTags: ['scope:shared', 'scope:feature-gateway'] },
            { sourceTag: 'scope:candidate-orchestrator', onlyDependOnLibsWithTags: ['scope:shared', 'scope:candidate-orchestrator'] },
            { sourceTag: 'scope:ranker', onlyDependOnLibsWithTags: ['scope:shared', 'scope:ranker'] },
            { sourceTag: 'scope:audit-service', onlyDependOnLibsWithTags: ['scope:shared', 'scope:audit-service'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int.ts', '**/*.e2e.ts', 'libs/testing/**/*.ts', 'tests/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
