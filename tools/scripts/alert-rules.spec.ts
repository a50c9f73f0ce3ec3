import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

const root = join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'generated') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('privacy alert rules', () => {
  const doc = load(readFileSync(join(root, 'k8s', 'monitoring', 'privacy-alerts.yaml'), 'utf8')) as {
    spec: { groups: { rules: { alert: string; expr: string }[] }[] };
  };
  const rules = doc.spec.groups.flatMap((g) => g.rules);
  const code = [...sourceFiles(join(root, 'apps')), ...sourceFiles(join(root, 'libs'))].map((f) => readFileSync(f, 'utf8')).join('\n');

  it('alerts on the metrics that must stay zero', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'ProfileFetchInNonPersonalizedMode',
        'DeletedUserProfileHit',
        'PersonalSourceInNonPersonalMode',
        'RawEventsPastRetention',
        'DeletionsNotCompleting',
        'TrainedModelRejected',
      ]),
    );
  });

  it('refers only to metrics that the services register', () => {
    for (const rule of rules) {
      const names = [...rule.expr.matchAll(/(?:increase|rate|max)\(([a-z_]+)/g)].map((m) => m[1]);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names)
        expect({ rule: rule.alert, registered: code.includes(`'${name}'`) }).toEqual({ rule: rule.alert, registered: true });
    }
  });
});
