import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RegistryValidationError } from './errors';
import { checkRegistry, defaultRegistryDir, loadRegistry, readRegistryIssues } from './loader';
import { FixtureRegistry, lineIn } from './testing/registry-fixture';

describe(loadRegistry.name, () => {
  const fixture = new FixtureRegistry();
  afterEach(() => fixture.cleanup());

  it('loads the repository registry without issues', () => {
    expect(readRegistryIssues(defaultRegistryDir())).toEqual([]);
    const registry = loadRegistry();
    expect([...registry.sources.keys()].sort()).toEqual([
      'content_similar',
      'editorial',
      'item_to_item',
      'session_intent',
      'trending_region',
      'user_cf',
      'user_two_tower',
    ]);
    expect([...registry.routes.values()].map((r) => r.mode).sort()).toEqual(['contextual_only', 'non_personalized', 'personalized']);
    expect(registry.features.get('user_recent_items')?.privacy_class).toBe('behavioral_personal');
  });

  it('keeps the approval record of the repository sensitive-inference feature', () => {
    const affinity = loadRegistry().features.get('user_category_affinity_30d');
    expect(affinity?.sensitive_inference).toBe(true);
    expect(affinity?.approval).toEqual({
      approved_by: 'privacy-review-board',
      approved_at: '2026-11-01',
      ticket: 'PRIV-101',
    });
  });

  it('points every repository route at a feature set that allows its mode', () => {
    const registry = loadRegistry();
    for (const route of registry.routes.values()) {
      expect(registry.featureSets.get(route.feature_set)?.allowed_privacy_modes).toContain(route.mode);
    }
  });

  it('loads a valid folder into maps keyed by name', () => {
    const registry = loadRegistry(fixture.write());
    expect([...registry.features.keys()]).toEqual(['user_affinity', 'item_category']);
    expect(registry.sources.get('personal_source')?.feature_set).toBe('personal_set');
  });

  it('freezes definitions so one caller cannot change what another sees', () => {
    const feature = loadRegistry(fixture.write()).features.get('user_affinity');
    expect(Object.isFrozen(feature)).toBe(true);
    expect(Object.isFrozen(feature?.allowed_privacy_modes)).toBe(true);
  });

  it('throws a RegistryValidationError listing each issue as file:line: message', () => {
    const dir = fixture.write(['features.yaml', 'retention_days: 90', 'retention_days: 400']);
    const line = lineIn(dir, 'features.yaml', 'retention_days: 400');
    let error: unknown;
    try {
      loadRegistry(dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RegistryValidationError);
    expect((error as RegistryValidationError).issues).toHaveLength(1);
    expect((error as RegistryValidationError).message).toContain(
      `${join(dir, 'features.yaml')}:${line}: feature 'user_affinity': retention_days 400 exceeds 180`,
    );
  });

  it('returns no registry from checkRegistry when there is an issue', () => {
    const result = checkRegistry(fixture.write(['routes.yaml', 'mode: personalized', 'mode: everything']));
    expect(result.registry).toBeUndefined();
    expect(result.issues).toHaveLength(1);
  });
});

describe(defaultRegistryDir.name, () => {
  const saved = process.env['REGISTRY_DIR'];
  afterEach(() => {
    if (saved === undefined) delete process.env['REGISTRY_DIR'];
    else process.env['REGISTRY_DIR'] = saved;
  });

  it('uses REGISTRY_DIR when set', () => {
    process.env['REGISTRY_DIR'] = '/some/where/registry';
    expect(defaultRegistryDir()).toBe('/some/where/registry');
  });

  it('finds the repository registry folder by walking up', () => {
    delete process.env['REGISTRY_DIR'];
    const dir = defaultRegistryDir();
    expect(dir.endsWith('/registry')).toBe(true);
    expect(existsSync(join(dir, 'features.yaml'))).toBe(true);
  });
});
