import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

// yargs is an ES module that Jest's CommonJS runtime cannot load, while Node (≥ 20.19) can: the parser and the
// command are exercised as built, in a child Node process, which is also how `npm run experiments` runs them.
const root = join(__dirname, '..', '..', '..', '..');
const dist = join(root, 'dist', 'apps', 'feature-gateway', 'src', 'experiments');
const NO_DATABASE = { PATH: process.env.PATH, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', LOG_LEVEL: 'silent' };

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'tools', 'scripts', 'build.mjs'), '--quiet'], { cwd: root });
});

/** parseExperimentsCommand(args) in a child process: the command object, or the UsageError's message. */
function parse(...args: string[]): unknown {
  const script = `require(${JSON.stringify(join(dist, 'experiments.cli.js'))}).parseExperimentsCommand(JSON.parse(process.argv[1]))
    .then((c) => console.log(JSON.stringify({ command: c })), (e) => console.log(JSON.stringify({ error: e.name + ': ' + e.message })))`;
  const out = execFileSync(process.execPath, ['-e', script, JSON.stringify(args)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** The experiments command as a process. */
const run = (...args: string[]) =>
  spawnSync(process.execPath, [join(dist, 'experiments.main.js'), ...args], { encoding: 'utf8', env: NO_DATABASE });

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
    const result = spawnSync(process.execPath, [join(dist, 'experiments.main.js'), 'results', '--tenant', 'demo-retail'], {
      encoding: 'utf8',
      env: { ...NO_DATABASE, AGGREGATION_MIN_USERS: '1' },
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('AGGREGATION_MIN_USERS');
  });

  it('prints the commands for --help and exits 0', () => {
    const result = run('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('results');
  });
});
