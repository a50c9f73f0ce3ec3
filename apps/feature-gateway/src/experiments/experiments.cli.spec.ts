// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this app imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { builtCli } from '@recsys/testing';
import { join } from 'node:path';

// The parser and the command run as built, in child processes (see builtCli): how `npm run experiments` runs them.
const cli = builtCli(
  join(__dirname, '..', '..', '..', '..'),
  'dist/apps/feature-gateway/src/experiments',
  'experiments.cli.js',
  'parseExperimentsCommand',
  'experiments.main.js',
);
const { parse, run } = cli;

beforeAll(() => cli.build());

describe('npm run experiments (command line)', () => {
  it('parses results into a command object', () => {
    expect(parse('results', '--tenant', 'demo-retail')).toEqual({ command: { kind: 'results', tenant: 'demo-retail', json: false } });
    expect(parse('results', '--tenant', 'demo-retail', '--experiment', 'home_more_trending', '--json')).toEqual({
      command: { kind: 'results', tenant: 'demo-retail', experiment: 'home_more_trending', json: true },
    });
  });

  it.each([
    [['results'], /--tenant is required/],
    [['results', '--tenant', ''], /--tenant is required/],
    [['results', '--tenant', 'Not A Tenant'], /--tenant "Not A Tenant" is not a valid tenant id/],
    [['results', '--tenant', 'acme', '--experiment', '../etc/passwd'], /--experiment "..\/etc\/passwd" is not an experiment name/],
    [['results', '--tenant', 'acme', '--frobnicate'], /Unknown argument/],
    [['publish', '--tenant', 'acme'], /Unknown argument|unknown command/],
    [[], /give a command/],
  ])('rejects %j with a clear message', (args, message) => {
    const result = parse(...args) as { error?: string };
    expect(result.error).toMatch(/^UsageError: /);
    expect(result.error).toMatch(message);
  });

  it('exits with code 1 and the reason on stderr for a bad argument, before connecting to anything', () => {
    const result = run('results', '--tenant', 'Not/A Tenant');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('experiments: --tenant "Not/A Tenant" is not a valid tenant id');
    expect(result.stderr).toContain('npm run experiments -- --help');
    expect(result.stdout).toBe('');
  });

  it('exits with code 1 for a tenant without experiments, before connecting to the database', () => {
    // The database URL points nowhere: the refusal must come from experiments.yaml alone.
    const result = run('results', '--tenant', 'initech');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^experiments: no experiment is declared for tenant initech in .*experiments\.yaml\n$/);
  });

  it('exits with code 2 listing a bad setting', () => {
    const result = cli.runWith({ AGGREGATION_MIN_USERS: '1' }, 'results', '--tenant', 'demo-retail');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('AGGREGATION_MIN_USERS');
  });

  it('prints the commands for --help and exits 0', () => {
    const result = run('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('results');
  });
});
