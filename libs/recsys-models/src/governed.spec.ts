import { buildGovernedDataset, DEFAULT_PRIVACY_FILTERS, Exclusions, GovernedRow, PRIVACY_FILTER_VERSION, PrivacyFilters } from './governed';

const row = (tenant: string, user: string, item: string, timestampMs = 1, weight = 1): GovernedRow => ({
  tenant,
  user,
  item,
  weight,
  timestampMs,
});
const NOW = new Date('2026-12-02T10:00:00.000Z');

describe(buildGovernedDataset.name, () => {
  const rows: GovernedRow[] = [
    row('t1', 'alice', 'i1', 1),
    row('t1', 'alice', 'i2', 2, 3),
    row('t1', 'bob', 'i1', 3), // deleted
    row('t1', 'bob', 'i3', 4), // deleted
    row('t1', 'carol', 'i2', 5), // no training consent
    row('t1', 'dave', 'i4', 6),
    row('t2', 'erin', 'i1', 7), // other tenant
    row('t2', 'alice', 'i9', 8), // other tenant, same pseudonym
  ];
  const exclusions: Exclusions = {
    deleted: new Set(['bob']),
    noTrainingConsent: new Set(['carol']),
    deletionSnapshot: 'deletions@2026-12-01T00:00:00Z',
  };

  it('keeps only rows of the tenant from subjects that are neither deleted nor without training consent', () => {
    const { rows: kept } = buildGovernedDataset('home', 't1', rows, DEFAULT_PRIVACY_FILTERS, exclusions, NOW);
    expect(kept).toEqual([
      { user: 'alice', item: 'i1', weight: 1, timestampMs: 1 },
      { user: 'alice', item: 'i2', weight: 3, timestampMs: 2 },
      { user: 'dave', item: 'i4', weight: 1, timestampMs: 6 },
    ]);
  });

  it('counts what it excluded and records filters, filter version and deletion snapshot in the manifest', () => {
    const { manifest } = buildGovernedDataset('home', 't1', rows, DEFAULT_PRIVACY_FILTERS, exclusions, NOW);
    expect(manifest).toEqual({
      name: 'home',
      tenant: 't1',
      privacy_filters: DEFAULT_PRIVACY_FILTERS,
      privacy_filter_version: PRIVACY_FILTER_VERSION,
      deletion_snapshot: 'deletions@2026-12-01T00:00:00Z',
      tenant_scope: 'tenant_specific',
      rows: 3,
      subjects: 2,
      items: 3,
      excluded: { deleted_subjects: 1, no_training_consent_subjects: 1, other_tenant_rows: 2, rows: 5 },
      created_at: '2026-12-02T10:00:00.000Z',
    });
    expect(manifest.privacy_filter_version).toMatch(/^pf-/);
  });

  it('copies the filters into the manifest so later changes to the caller object do not alter it', () => {
    const filters: PrivacyFilters = { ...DEFAULT_PRIVACY_FILTERS };
    const { manifest } = buildGovernedDataset('home', 't1', rows, filters, exclusions, NOW);
    filters.exclude_deleted_users = false;
    expect(manifest.privacy_filters.exclude_deleted_users).toBe(true);
  });

  it('keeps a subject only when the filter for them is switched off on purpose', () => {
    const noDeletionFilter = buildGovernedDataset(
      'home',
      't1',
      rows,
      { ...DEFAULT_PRIVACY_FILTERS, exclude_deleted_users: false },
      exclusions,
      NOW,
    );
    expect(noDeletionFilter.rows.map((r) => r.user)).toEqual(['alice', 'alice', 'bob', 'bob', 'dave']);
    expect(noDeletionFilter.manifest.excluded.deleted_subjects).toBe(0);
    const noConsentFilter = buildGovernedDataset(
      'home',
      't1',
      rows,
      { ...DEFAULT_PRIVACY_FILTERS, exclude_no_training_consent: false },
      exclusions,
      NOW,
    );
    expect(noConsentFilter.rows.map((r) => r.user)).toEqual(['alice', 'alice', 'carol', 'dave']);
    expect(noConsentFilter.manifest.excluded.no_training_consent_subjects).toBe(0);
  });

  it("drops other tenants' rows for every scope short of global_shared", () => {
    for (const scope of ['tenant_specific', 'tenant_calibrated', 'no_cross_tenant'] as const) {
      const { rows: kept, manifest } = buildGovernedDataset(
        'home',
        't2',
        rows,
        { ...DEFAULT_PRIVACY_FILTERS, tenant_scope: scope },
        { ...exclusions, sharedTenants: new Set(['t1', 't2']) },
        NOW,
      );
      expect(kept).toEqual([
        { user: 'erin', item: 'i1', weight: 1, timestampMs: 7 },
        { user: 'alice', item: 'i9', weight: 1, timestampMs: 8 },
      ]);
      expect(manifest.excluded.other_tenant_rows).toBe(6);
      expect(manifest.tenant_scope).toBe(scope);
    }
  });

  it('refuses global_shared without a recorded permission for the tenant', () => {
    const shared: PrivacyFilters = { ...DEFAULT_PRIVACY_FILTERS, tenant_scope: 'global_shared' };
    expect(() => buildGovernedDataset('home', 't1', rows, shared, exclusions, NOW)).toThrow(/global_shared.*t1/);
    expect(() => buildGovernedDataset('home', 't1', rows, shared, { ...exclusions, sharedTenants: new Set(['t2']) }, NOW)).toThrow(
      /global_shared/,
    );
  });

  it('joins permitted tenants for global_shared, with subject and item ids prefixed by tenant', () => {
    const shared: PrivacyFilters = { ...DEFAULT_PRIVACY_FILTERS, tenant_scope: 'global_shared' };
    const extra = [...rows, row('t3', 'zed', 'i1', 9)];
    const { rows: kept, manifest } = buildGovernedDataset(
      'home',
      't1',
      extra,
      shared,
      { ...exclusions, sharedTenants: new Set(['t1', 't2']) },
      NOW,
    );
    expect(kept).toEqual([
      { user: 't1/alice', item: 't1/i1', weight: 1, timestampMs: 1 },
      { user: 't1/alice', item: 't1/i2', weight: 3, timestampMs: 2 },
      { user: 't1/dave', item: 't1/i4', weight: 1, timestampMs: 6 },
      { user: 't2/erin', item: 't2/i1', weight: 1, timestampMs: 7 },
      { user: 't2/alice', item: 't2/i9', weight: 1, timestampMs: 8 },
    ]);
    // The two alices are different people, and t3 (no permission) stays out.
    expect(manifest.subjects).toBe(4);
    expect(manifest.items).toBe(5);
    expect(manifest.excluded.other_tenant_rows).toBe(1);
    expect(manifest.tenant_scope).toBe('global_shared');
  });
});
