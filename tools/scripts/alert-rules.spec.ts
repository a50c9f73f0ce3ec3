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

/**
 * The metrics that must stay 0 (seed §39: "some should be zero; alert on violations"), each with the selector
 * that makes it a violation where the metric also counts allowed events.
 */
const MUST_BE_ZERO = [
  'profile_fetch_in_non_personalized_mode',
  'deleted_user_profile_hit_count',
  'tenant_boundary_violation_count',
  // Personal candidate sources outside PERSONALIZED (the metric counts every source call; the rule selects).
  'candidate_source_calls_total',
] as const;

/** The metric names of a PromQL expression: identifiers followed by a selector, a range or a closing parenthesis. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\boffset\s+\w+/g, '');
  return [...new Set([...bare.matchAll(/\b([a-z_][a-z0-9_]*)\s*(?=[[{)])/g)].map((m) => m[1]))];
}

describe('privacy alert rules', () => {
  const doc = load(readFileSync(join(root, 'k8s', 'monitoring', 'privacy-alerts.yaml'), 'utf8')) as {
    spec: { groups: { rules: { alert: string; expr: string; labels?: Record<string, string> }[] }[] };
  };
  const rules = doc.spec.groups.flatMap((g) => g.rules);
  const code = [...sourceFiles(join(root, 'apps')), ...sourceFiles(join(root, 'libs'))].map((f) => readFileSync(f, 'utf8')).join('\n');

  it('alerts on the metrics that must stay zero', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'ProfileFetchInNonPersonalizedMode',
        'DeletedUserProfileHit',
        'PersonalSourceInNonPersonalMode',
        'TenantBoundaryViolation',
        'RawEventsPastRetention',
        'DeletionsNotCompleting',
        'TrainedModelRejected',
      ]),
    );
  });

  it.each(MUST_BE_ZERO)('has a critical rule that fires as soon as %s moves above 0', (metric) => {
    const firing = rules.filter((r) =>
      r.expr.split(/\s+(?:and|or|unless)\s+/).some((part) => metricNames(part).includes(metric) && /\)\s*>\s*0\s*$/.test(part.trim())),
    );
    expect(firing.map((r) => ({ alert: r.alert, severity: r.labels?.severity }))).toEqual([
      { alert: expect.any(String), severity: 'critical' },
    ]);
  });

  it('alerts on consent-unknown fallbacks, fallback-rate spikes and debug trace reads', () => {
    const byMetric = (metric: string) => rules.filter((r) => metricNames(r.expr).includes(metric)).map((r) => r.alert);
    expect(byMetric('consent_unknown_fallback_count')).toEqual(['ConsentUnknownFallbacksHigh']);
    expect(byMetric('non_personalized_fallback_rate')).toEqual(['NonPersonalizedFallbackSpike']);
    expect(byMetric('debug_access_count')).toEqual(['DebugTraceReadsHigh', 'DebugTraceReadsRefused']);
  });

  it('refers only to metrics that the services register', () => {
    for (const rule of rules) {
      const names = metricNames(rule.expr);
      expect({ rule: rule.alert, names: names.length > 0 }).toEqual({ rule: rule.alert, names: true });
      for (const name of names)
        expect({ rule: rule.alert, name, registered: code.includes(`'${name}'`) }).toEqual({ rule: rule.alert, name, registered: true });
    }
  });

  it('finds metric names in PromQL, not functions, labels or aggregation clauses', () => {
    expect(metricNames('sum by (role) (increase(debug_access_count{role=~"engineer|x"}[1h])) > 20')).toEqual(['debug_access_count']);
    expect(metricNames('max(a_gauge) - max(avg_over_time(a_gauge[1d] offset 1h)) > 0.2')).toEqual(['a_gauge']);
    expect(metricNames('histogram_quantile(0.95, sum(rate(x_bytes_bucket[5m])) by (le))')).toEqual(['x_bytes_bucket']);
  });
});
