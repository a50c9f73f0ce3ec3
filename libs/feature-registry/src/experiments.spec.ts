import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assignVariant, checkExperiments, Experiment } from './experiments';
import { loadRegistry } from './loader';
import { defaultConfigDir, loadSurfaces } from './surfaces';

const registry = loadRegistry();
const surfaces = loadSurfaces(defaultConfigDir(), registry);

const GOOD = `experiments:
  - name: home_test
    tenant: acme
    surface: home
    owner: growth-team
    purpose: quality_monitoring
    start: 2026-01-01
    end: 2027-01-01
    salt: salt-of-home-test
    variants:
      - name: control
        traffic: 50
      - name: treatment
        traffic: 50
        changes:
          personalized:
            add_sources: [user_two_tower]
            source_weights: { trending_region: 2 }
          contextual_only:
            remove_sources: [editorial]
            candidates_per_source: 150
`;

describe(checkExperiments.name, () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'experiments-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const check = (text: string) => {
    writeFileSync(join(dir, 'experiments.yaml'), text);
    return checkExperiments(dir, registry, surfaces);
  };

  it('accepts a variant that changes sources, weights and candidate counts within each mode', () => {
    const { experiments, issues } = check(GOOD);
    expect(issues).toEqual([]);
    expect(experiments[0].variants[1].changes.contextual_only).toEqual({
      add_sources: [],
      remove_sources: ['editorial'],
      source_weights: {},
      ranking_weights: {},
      candidates_per_source: 150,
    });
  });

  it('accepts ranking weight multipliers only for terms the mode’s route may use', () => {
    const withWeights = GOOD.replace(
      '            candidates_per_source: 150',
      '            candidates_per_source: 150\n            ranking_weights: { "source:trending_region": 1.5 }',
    );
    expect(check(withWeights).issues).toEqual([]);
    expect(check(withWeights).experiments[0].variants[1].changes.contextual_only?.ranking_weights).toEqual({
      'source:trending_region': 1.5,
    });
    const personalTerm = withWeights.replace('"source:trending_region"', '"source:user_cf"');
    expect(check(personalTerm).issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/ranking_weights: source:user_cf is not a term the contextual_only route/),
    ]);
    const unusedFeature = withWeights.replace('"source:trending_region"', 'user_embedding');
    expect(check(unusedFeature).issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/ranking_weights: user_embedding is not a term/),
    ]);
  });

  it('rejects a variant that adds user_cf to the contextual route, naming the file and line', () => {
    const bad = GOOD.replace('            remove_sources: [editorial]', '            add_sources: [user_cf]');
    const { issues } = check(bad);
    expect(issues).toEqual([
      {
        file: join(dir, 'experiments.yaml'),
        line: 13,
        message: expect.stringMatching(
          /variant treatment, contextual_only: adds user_cf, which the registry allows only in personalized .*cannot widen a privacy mode/,
        ),
      },
    ]);
    expect(check(bad.replace('contextual_only:', 'non_personalized:')).issues[0].message).toMatch(/non_personalized: adds user_cf/);
  });

  it('rejects traffic that does not add up, unknown changes, bad dates and overlapping experiments', () => {
    expect(
      check(GOOD.replace('traffic: 50\n      - name: treatment', 'traffic: 40\n      - name: treatment')).issues.map((i) => i.message),
    ).toEqual([expect.stringContaining('adds up to 90, not 100')]);
    expect(check(GOOD.replace('candidates_per_source: 150', 'ranker_model: other')).issues[0].message).toMatch(
      /unknown change 'ranker_model'/,
    );
    expect(check(GOOD.replace('end: 2027-01-01', 'end: 2025-01-01')).issues[0].message).toMatch(/end must be after start/);
    const twice = GOOD + GOOD.replace('experiments:\n', '').replace('name: home_test', 'name: home_other');
    expect(check(twice).issues.map((i) => i.message)).toEqual([expect.stringContaining('overlap on acme/home')]);
  });

  it('has no issues and no experiments without a file', () => {
    expect(checkExperiments(dir, registry, surfaces)).toEqual({ experiments: [], issues: [] });
  });
});

describe(assignVariant.name, () => {
  const experiment = (traffic: number[]): Experiment => ({
    name: 'home_test',
    tenant: 'acme',
    surface: 'home',
    owner: 'o',
    purpose: 'quality_monitoring',
    startMs: 0,
    endMs: 1,
    salt: 'salt-of-home-test',
    variants: traffic.map((t, i) => ({ name: `v${i}`, traffic: t, changes: {} })),
  });
  /** 20 000 pseudonymous subject ids, shaped like the real ones. */
  const subjects = Array.from({ length: 20_000 }, (_, i) => `u_${i.toString(36).padStart(22, 'x')}`);

  it('is stable for the same pseudonymous subject and changes with the salt', () => {
    const e = experiment([50, 50]);
    const first = subjects.slice(0, 500).map((s) => assignVariant(e, s).name);
    expect(subjects.slice(0, 500).map((s) => assignVariant(e, s).name)).toEqual(first);
    const resalted = { ...e, salt: 'another-salt-value' };
    expect(subjects.slice(0, 500).filter((s, i) => assignVariant(resalted, s).name !== first[i]).length).toBeGreaterThan(150);
  });

  it.each([[[50, 50]], [[34, 33, 33]], [[10, 90]]])('is balanced within 2%% over 20 000 subjects for traffic %j', (traffic) => {
    const e = experiment(traffic);
    const counts = new Map<string, number>();
    for (const s of subjects) counts.set(assignVariant(e, s).name, (counts.get(assignVariant(e, s).name) ?? 0) + 1);
    traffic.forEach((t, i) => expect(Math.abs((counts.get(`v${i}`) ?? 0) / subjects.length - t / 100)).toBeLessThan(0.02));
  });
});
