import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** The privacy and data-minimization metrics of seed §39/§40 that the services export, and RPC latency. */
const PRIVACY_METRICS = [
  'personalized_request_count_by_consent',
  'non_personalized_fallback_rate',
  'non_personalized_fallback_total',
  'profile_fetch_in_non_personalized_mode',
  'deleted_user_profile_hit_count',
  'consent_unknown_fallback_count',
  'debug_access_count',
  'privacy_filter_exclusion_count',
  'tenant_boundary_violation_count',
  'candidate_source_calls_total',
  'features_fetched_per_request',
  'unused_feature_fetch_rate',
  'debug_trace_payload_bytes',
  'raw_event_retention_age_seconds',
  'grpc_server_handling_seconds',
];

interface Panel {
  type: string;
  id: number;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'generated') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('privacy dashboard', () => {
  const dashboard = JSON.parse(readFileSync(join(root, 'k8s', 'monitoring', 'privacy-dashboard.json'), 'utf8')) as {
    uid: string;
    title: string;
    schemaVersion: number;
    templating: { list: { name: string; type: string; query: string }[] };
    panels: Panel[];
  };
  const panels = dashboard.panels.filter((p) => p.type !== 'row');
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

  it('is a Grafana dashboard model with a Prometheus data source variable used by every panel and query', () => {
    expect(dashboard).toMatchObject({ uid: 'recsys-privacy', title: expect.any(String), schemaVersion: expect.any(Number) });
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    for (const panel of panels) {
      expect({ panel: panel.title, datasource: panel.datasource }).toEqual({
        panel: panel.title,
        datasource: { type: 'prometheus', uid: '${datasource}' },
      });
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid).toBe('${datasource}');
    }
  });

  it('has unique panel ids and panels that fit the 24-column grid without overlapping', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const { gridPos: g, title } of dashboard.panels) {
      expect({ title, fits: g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0 }).toEqual({ title, fits: true });
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          expect({ title, overlaps: cells.has(`${x},${y}`) }).toEqual({ title, overlaps: false });
          cells.add(`${x},${y}`);
        }
    }
  });

  it.each(PRIVACY_METRICS)('shows %s in some panel', (metric) => {
    expect(exprs.filter((e) => new RegExp(`\\b${metric}(?:_bucket|_sum|_count)?\\b`).test(e))).not.toEqual([]);
  });

  it('queries only metrics that the services register', () => {
    const code = [...sourceFiles(join(root, 'apps')), ...sourceFiles(join(root, 'libs'))].map((f) => readFileSync(f, 'utf8')).join('\n');
    const named = new Set(
      exprs.flatMap((e) => [...e.replace(/"[^"]*"/g, '').matchAll(/\b([a-z_][a-z0-9_]*)\s*(?=[[{])/g)].map((m) => m[1])),
    );
    expect(named.size).toBeGreaterThan(0);
    for (const name of named) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      expect({ name, registered: code.includes(`'${name}'`) || code.includes(`'${base}'`) }).toEqual({ name, registered: true });
    }
  });
});
