// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this app imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { builtCli } from '@recsys/testing';
import { join } from 'node:path';

// The parser and the command run as built, in child processes (see builtCli): how `npm run dataset` runs them.
const cli = builtCli(
  join(__dirname, '..', '..', '..', '..'),
  'dist/apps/feature-gateway/src/training',
  'dataset.cli.js',
  'parseDatasetCommand',
  'dataset.main.js',
);
const { parse, run } = cli;

beforeAll(() => cli.build());

describe('npm run dataset (command line)', () => {
  it('parses every subcommand into a command object', () => {
    expect(parse('build', '--tenant', 'demo-retail', '--name', 'nightly', '--window-days', '180')).toEqual({
      command: { kind: 'build', tenants: ['demo-retail'], name: 'nightly', windowDays: 180, overrides: [] },
    });
    expect(parse('build', '--all')).toMatchObject({ command: { kind: 'build', tenants: 'all' } });
    expect(parse('list', '--tenant', 'demo-media')).toEqual({ command: { kind: 'list', tenant: 'demo-media' } });
    expect(parse('show', '--tenant', 'demo-media', '--dataset', 'ds_20261201T000000_0a1b2c3d')).toEqual({
      command: { kind: 'show', tenant: 'demo-media', datasetId: 'ds_20261201T000000_0a1b2c3d' },
    });
    expect(parse('permit', '--tenant', 'acme', '--contract', 'MSA-2026/17', '--by', 'ops-jane')).toEqual({
      command: { kind: 'permit', tenant: 'acme', contract: 'MSA-2026/17', by: 'ops-jane' },
    });
    expect(parse('revoke', '--tenant', 'acme', '--by', 'ops-jane')).toEqual({
      command: { kind: 'revoke', tenant: 'acme', by: 'ops-jane' },
    });
  });

  it('records a switched-off filter only together with a reason', () => {
    expect(
      parse('build', '--tenant', 'acme', '--disable-filter', 'exclude_no_training_consent', '--reason', 'consent audit'),
    ).toMatchObject({
      command: { overrides: [{ filter: 'exclude_no_training_consent', reason: 'consent audit' }] },
    });
    expect(parse('build', '--tenant', 'acme', '--disable-filter', 'exclude_no_training_consent')).toEqual({
      error: expect.stringMatching(/^UsageError: .*--reason/),
    });
    expect(parse('build', '--tenant', 'acme', '--disable-filter', 'tenant_scope', '--reason', 'x')).toEqual({
      error: expect.stringMatching(/^UsageError: Invalid values/),
    });
  });

  it.each([
    [['build', '--tenant', 'Not A Tenant'], /--tenant "Not A Tenant" is not a valid tenant id/],
    [['build'], /either --tenant <id> or --all/],
    [['build', '--tenant', 'acme', '--all'], /either --tenant <id> or --all/],
    [['build', '--tenant', 'acme', '--window-days', '0'], /--window-days/],
    [['build', '--tenant', 'acme', '--frobnicate'], /Unknown argument/],
    [['list'], /--tenant is required/],
    [['show', '--tenant', 'acme', '--dataset', '../etc'], /not a dataset id/],
    [['permit', '--tenant', 'acme', '--contract', 'C-1'], /--by is required/],
    [['permit', '--tenant', 'acme', '--contract', 'C-1', '--by', 'jane@example.com'], /operator id/],
    [['revoke', '--tenant', 'acme'], /--by is required/],
    [['publish', '--tenant', 'acme'], /Unknown argument|unknown command/],
    [[], /give a command/],
  ])('rejects %j with a clear message', (args, message) => {
    const result = parse(...args) as { error?: string };
    expect(result.error).toMatch(/^UsageError: /);
    expect(result.error).toMatch(message);
  });

  it('exits with code 1 and the reason on stderr for a bad argument, before connecting to anything', () => {
    const result = run('build', '--tenant', 'Not/A Tenant');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('dataset: --tenant "Not/A Tenant" is not a valid tenant id');
    expect(result.stderr).toContain('npm run dataset -- --help');
    expect(result.stdout).toBe('');
  });

  it('prints the commands for --help and exits 0', () => {
    const result = run('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/build.*\n.*list/s);
  });
});
