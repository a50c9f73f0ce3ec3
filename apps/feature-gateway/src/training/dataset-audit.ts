import { StoredDatasetManifest } from './dataset.repository';

/** What the audit trail keeps of a dataset build: its filters and counts (no subject). */
export const datasetDetails = (m: StoredDatasetManifest) => ({
  tenantScope: m.tenant_scope,
  privacyFilterVersion: m.privacy_filter_version,
  deletionSnapshot: m.deletion_snapshot,
  rows: m.rows,
  subjects: m.subjects,
  excluded: m.excluded,
  filterOverrides: m.filter_overrides.map((o) => o.filter),
});
