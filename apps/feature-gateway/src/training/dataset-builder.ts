import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { buildGovernedDataset, GovernedRow, Interaction, PrivacyFilters, TenantScope } from '@recsys/models';
import { CheckTrainingConsentResult, ConsentServiceClient } from '@recsys/proto';
import { UnaryClient } from '@recsys/service-kit';
import { DatasetRepository, FilterOverride, StoredDatasetManifest, StoredRow } from './dataset.repository';
import { NO_PROGRESS, ProgressFactory } from './progress';
import { ScopePermissionRepository } from './scope-permission.repository';
import { TrainingDataRepository } from './training-data.repository';
import { TrainingDatasetError, TrainingErrorCode } from './training.errors';
import { TrainingScopes } from './training-scopes';

/** Subjects per CheckTrainingConsent call. */
export const CONSENT_BATCH = 5000;

export interface DatasetBuilderDeps {
  data: Pick<TrainingDataRepository, 'rows'>;
  datasets: DatasetRepository;
  permissions: ScopePermissionRepository;
  scopes: TrainingScopes;
  consent: Pick<UnaryClient<ConsentServiceClient>, 'checkTrainingConsent'>;
  logger: Logger;
  options: { windowDays: number; keep: number };
  progress?: ProgressFactory;
}

export interface BuildOptions {
  name?: string;
  /** Overrides the configured window (a backfill reads further back; the current filters apply all the same). */
  windowDays?: number;
  /** Filters switched off on purpose, each with a reason; recorded in the manifest. */
  overrides?: FilterOverride[];
  now?: Date;
}

/** A governed dataset as built, before or after it is stored. */
export interface BuiltDataset {
  datasetId: string;
  manifest: StoredDatasetManifest;
  rows: StoredRow[];
}

/**
 * The one way a training dataset comes to exist (seed §17, §28, §44): reads the behaviour of the tenants the
 * scope allows, asks consent-service about every subject (per tenant, in batches; whoever it does not name as
 * trainable is excluded), applies the privacy filters with buildGovernedDataset and stores the result with its
 * manifest. A rebuild or a backfill goes through here too, so it always applies the current filters.
 */
export class DatasetBuilder {
  constructor(private readonly deps: DatasetBuilderDeps) {}

  /** Builds without storing (for a dry run). */
  async prepare(tenantId: string, options: BuildOptions = {}): Promise<BuiltDataset> {
    const now = options.now ?? new Date();
    const windowDays = options.windowDays ?? this.deps.options.windowDays;
    const scope = this.deps.scopes.scopeOf(tenantId);
    const tenants = await this.contributingTenants(tenantId, scope);
    const rows: GovernedRow[] = [];
    for (const t of tenants) rows.push(...(await this.deps.data.rows(t, windowDays)));
    const exclusions = await this.exclusions(tenants, rows);
    const overrides = options.overrides ?? [];
    const off = new Set(overrides.map((o) => o.filter));
    const filters: PrivacyFilters = {
      exclude_deleted_users: !off.has('exclude_deleted_users'),
      exclude_no_training_consent: !off.has('exclude_no_training_consent'),
      tenant_scope: scope,
    };
    const datasetId = newDatasetId(now);
    const governed = buildGovernedDataset(options.name ?? `${tenantId}-training`, tenantId, rows, filters, exclusions, now);
    const crossTenant = scope === 'global_shared';
    return {
      datasetId,
      manifest: {
        ...governed.manifest,
        dataset_id: datasetId,
        window_days: windowDays,
        contributing_tenants: tenants,
        filter_overrides: overrides,
      },
      rows: governed.rows.map((r) => (crossTenant ? unprefix(r) : { sourceTenant: tenantId, ...r })),
    };
  }

  /** Builds and stores a dataset; keeps the tenant's newest `keep` datasets. */
  async build(tenantId: string, options: BuildOptions = {}): Promise<BuiltDataset & { dropped: string[]; purged: number }> {
    const built = await this.prepare(tenantId, options);
    const bar = (this.deps.progress ?? NO_PROGRESS)('storing rows', built.rows.length);
    try {
      const { dropped, purged } = await this.deps.datasets.save(tenantId, built, this.deps.options.keep, (n) => bar.update(n));
      const m = built.manifest;
      this.deps.logger.info(
        { tenantId, datasetId: built.datasetId, scope: m.tenant_scope, rows: m.rows, subjects: m.subjects, excluded: m.excluded, dropped },
        'governed training dataset stored',
      );
      return { ...built, dropped, purged };
    } finally {
      bar.stop();
    }
  }

  /**
   * The tenants whose rows may enter the dataset. global_shared: every tenant configured global_shared with a
   * current recorded permission, and the build fails closed unless the owner is one of them.
   */
  private async contributingTenants(tenantId: string, scope: TenantScope): Promise<string[]> {
    if (scope !== 'global_shared') return [tenantId];
    const permitted = (await this.deps.permissions.permittedTenants()).filter((t) => this.deps.scopes.scopeOf(t) === 'global_shared');
    if (!permitted.includes(tenantId)) {
      throw new TrainingDatasetError(
        TrainingErrorCode.SCOPE_NOT_PERMITTED,
        `tenant ${tenantId} is configured global_shared but has no current recorded permission; nothing was built ` +
          `(record one with: npm run dataset -- permit --tenant ${tenantId} --contract <ref> --by <operator>)`,
      );
    }
    return permitted;
  }

  /** Asks consent-service about every subject, each tenant's subjects of that tenant. Fail closed. */
  private async exclusions(tenants: string[], rows: GovernedRow[]) {
    const deleted = new Set<string>();
    const noTrainingConsent = new Set<string>();
    const snapshots: string[] = [];
    const total = new Set(rows.map((r) => `${r.tenant}/${r.user}`)).size;
    const bar = (this.deps.progress ?? NO_PROGRESS)('consent checks', total);
    let done = 0;
    try {
      for (const tenantId of tenants) {
        const subjects = [...new Set(rows.filter((r) => r.tenant === tenantId).map((r) => r.user))];
        const trainable = new Set<string>();
        let snapshot = '';
        for (let i = 0; i < subjects.length; i += CONSENT_BATCH) {
          const batch = subjects.slice(i, i + CONSENT_BATCH);
          const answer: CheckTrainingConsentResult = await this.deps.consent.checkTrainingConsent({ tenantId, subjectPids: batch });
          answer.trainablePids.forEach((pid) => trainable.add(pid));
          answer.deletedPids.forEach((pid) => deleted.add(pid));
          snapshot = answer.deletionSnapshot;
          bar.update((done += batch.length));
        }
        // Whoever consent-service did not name as trainable is excluded. Pseudonymous ids are per-tenant HMACs,
        // so one set for all tenants can only ever exclude more, never include someone it should not.
        subjects.filter((pid) => !trainable.has(pid)).forEach((pid) => noTrainingConsent.add(pid));
        snapshots.push(tenants.length === 1 ? snapshot || 'unknown' : `${tenantId}=${snapshot || 'unknown'}`);
      }
    } finally {
      bar.stop();
    }
    return { deleted, noTrainingConsent, deletionSnapshot: snapshots.join(',') || 'no-subjects', sharedTenants: new Set(tenants) };
  }
}

/** `ds_<UTC yyyymmddThhmmss>_<8 hex>`: sorts by build time, unique across concurrent builds. */
export function newDatasetId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '');
  return `ds_${stamp}_${randomBytes(4).toString('hex')}`;
}

/** A global_shared row's ids carry their tenant as prefix (buildGovernedDataset); the store keeps it as a column. */
function unprefix(r: Interaction): StoredRow {
  const slash = r.user.indexOf('/');
  const sourceTenant = r.user.slice(0, slash);
  return {
    sourceTenant,
    user: r.user.slice(slash + 1),
    item: r.item.slice(sourceTenant.length + 1),
    weight: r.weight,
    timestampMs: r.timestampMs,
  };
}

/** Stored rows as training interactions; a global_shared dataset's ids are prefixed by tenant again. */
export function toInteractions(rows: readonly StoredRow[], scope: TenantScope): Interaction[] {
  const cross = scope === 'global_shared';
  return rows.map((r) => ({
    user: cross ? `${r.sourceTenant}/${r.user}` : r.user,
    item: cross ? `${r.sourceTenant}/${r.item}` : r.item,
    weight: r.weight,
    timestampMs: r.timestampMs,
  }));
}
