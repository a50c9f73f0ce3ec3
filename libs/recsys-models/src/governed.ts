import { Interaction } from './interactions';

/**
 * Governed training datasets (seed §17, §28, §30, §44): every model is trained from rows that passed the
 * declared privacy filters, and the dataset says which filters, at which version, against which deletion
 * snapshot. Backfills call the same builder, so they re-apply the current filters.
 */

/** Bumped whenever what a filter removes changes; recorded in every manifest and model card. */
export const PRIVACY_FILTER_VERSION = 'pf-2026-12-01.1';

/** Per-tenant training scope (seed §28). `global_shared` needs a recorded permission. */
export const TENANT_SCOPES = ['global_shared', 'tenant_calibrated', 'tenant_specific', 'no_cross_tenant'] as const;
export type TenantScope = (typeof TENANT_SCOPES)[number];

export interface PrivacyFilters {
  exclude_deleted_users: boolean;
  exclude_no_training_consent: boolean;
  tenant_scope: TenantScope;
}

export const DEFAULT_PRIVACY_FILTERS: PrivacyFilters = {
  exclude_deleted_users: true,
  exclude_no_training_consent: true,
  tenant_scope: 'tenant_specific',
};

/** Who must not be trained on, as known when the dataset is built. */
export interface Exclusions {
  /** Subjects with a deletion request (pseudonymous ids). */
  deleted: ReadonlySet<string>;
  /** Subjects without BEHAVIORAL_TRAINING consent (pseudonymous ids). */
  noTrainingConsent: ReadonlySet<string>;
  /** Identifies the deletion list the dataset was filtered against (for example the newest deletion's time). */
  deletionSnapshot: string;
  /** Tenants whose data may join a global_shared dataset (recorded permissions). */
  sharedTenants?: ReadonlySet<string>;
}

export interface GovernedRow extends Interaction {
  tenant: string;
}

export interface DatasetManifest {
  name: string;
  tenant: string;
  privacy_filters: PrivacyFilters;
  privacy_filter_version: string;
  deletion_snapshot: string;
  tenant_scope: TenantScope;
  rows: number;
  subjects: number;
  items: number;
  excluded: {
    deleted_subjects: number;
    no_training_consent_subjects: number;
    other_tenant_rows: number;
    rows: number;
  };
  created_at: string;
}

export interface GovernedDataset {
  rows: Interaction[];
  manifest: DatasetManifest;
}

/**
 * Applies the privacy filters to a tenant's rows. Fails closed: a `global_shared` scope without a recorded
 * permission for the tenant is refused, and a filter that is switched off must be switched off on purpose.
 */
export function buildGovernedDataset(
  name: string,
  tenant: string,
  rows: readonly GovernedRow[],
  filters: PrivacyFilters,
  exclusions: Exclusions,
  now: Date = new Date(),
): GovernedDataset {
  if (filters.tenant_scope === 'global_shared' && !exclusions.sharedTenants?.has(tenant)) {
    throw new Error(`tenant scope global_shared needs a recorded permission for tenant ${tenant}`);
  }
  const crossTenant = filters.tenant_scope === 'global_shared';
  const allowedTenants = crossTenant ? (exclusions.sharedTenants ?? new Set<string>()) : new Set([tenant]);
  const deleted = new Set<string>();
  const noConsent = new Set<string>();
  let otherTenant = 0;
  const kept: Interaction[] = [];
  for (const r of rows) {
    if (!allowedTenants.has(r.tenant)) {
      otherTenant++;
      continue;
    }
    if (filters.exclude_deleted_users && exclusions.deleted.has(r.user)) {
      deleted.add(r.user);
      continue;
    }
    if (filters.exclude_no_training_consent && exclusions.noTrainingConsent.has(r.user)) {
      noConsent.add(r.user);
      continue;
    }
    // Across tenants the same pseudonymous id is a different person: keep subjects apart.
    kept.push({
      user: crossTenant ? `${r.tenant}/${r.user}` : r.user,
      item: crossTenant ? `${r.tenant}/${r.item}` : r.item,
      weight: r.weight,
      timestampMs: r.timestampMs,
    });
  }
  return {
    rows: kept,
    manifest: {
      name,
      tenant,
      privacy_filters: { ...filters },
      privacy_filter_version: PRIVACY_FILTER_VERSION,
      deletion_snapshot: exclusions.deletionSnapshot,
      tenant_scope: filters.tenant_scope,
      rows: kept.length,
      subjects: new Set(kept.map((r) => r.user)).size,
      items: new Set(kept.map((r) => r.item)).size,
      excluded: {
        deleted_subjects: deleted.size,
        no_training_consent_subjects: noConsent.size,
        other_tenant_rows: otherTenant,
        rows: rows.length - kept.length,
      },
      created_at: now.toISOString(),
    },
  };
}
