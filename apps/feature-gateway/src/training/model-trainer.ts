import type { Logger } from 'pino';
import { Registry, SurfaceConfig } from '@recsys/feature-registry';
import { CatalogItem, routeSpecs, RouteSpec, SOURCE_TERM_PREFIX, TRAINING_DEFAULTS, TrainingConfig, trainRoutes } from '@recsys/models';
import { CatalogRepository } from '../catalog/catalog.repository';
import { BuiltDataset, DatasetBuilder, toInteractions } from './dataset-builder';
import { DatasetRepository, StoredDataset, StoredDatasetManifest } from './dataset.repository';
import { ModelRepository } from './model.repository';
import { TrainingDatasetError, TrainingErrorCode } from './training.errors';

/** Below this many trainable subjects a tenant's model would describe individuals more than taste: refused. */
export const MIN_TRAINING_SUBJECTS = 20;

export interface TrainerDeps {
  builder: Pick<DatasetBuilder, 'prepare' | 'build'>;
  datasets: Pick<DatasetRepository, 'get' | 'rows'>;
  catalog: CatalogRepository;
  models: ModelRepository;
  registry: Registry;
  surfaces: Map<string, SurfaceConfig>;
  logger: Logger;
  options: { minUsers: number; training?: Partial<TrainingConfig> };
}

export interface TrainingSummary {
  tenant: string;
  version: string;
  dataset_id: string;
  dataset: StoredDatasetManifest;
  /** Rows of the dataset removed by deletions between its build and this training. */
  rows_removed_by_deletion: number;
  routes: Record<string, { lists: number; weights: Record<string, number> }>;
  seconds: number;
}

export class NotEnoughTrainingDataError extends Error {}

/**
 * The offline training job of one tenant (seed §17, §43): trains only from a stored governed dataset — one it
 * builds and stores through the DatasetBuilder (only subjects with a current BEHAVIORAL_TRAINING grant and no
 * deletion request, within the tenant's training scope), or a stored one named by id — and publishes retrieval
 * (EASE item-item weights, ALS item tower) and every ranking route as one new version whose manifest and model
 * cards name the dataset. Feature-gateway replicas pick the version up on their next snapshot reload, the
 * ranker on its next model refresh.
 */
export class ModelTrainer {
  constructor(private readonly deps: TrainerDeps) {}

  /** The governed dataset a training run would build now, without storing it (dry run). */
  async dataset(tenantId: string): Promise<BuiltDataset> {
    return this.deps.builder.prepare(tenantId);
  }

  /** Trains from a new dataset (built and stored first), or from the stored dataset `datasetId`. */
  async train(tenantId: string, options: { datasetId?: string; now?: Date } = {}): Promise<TrainingSummary> {
    const started = Date.now();
    const now = options.now ?? new Date();
    const stored = await this.storedDataset(tenantId, options.datasetId, now);
    const m = stored.manifest;
    // The stored rows as they are now: a deletion since the build has already removed its subject.
    const rows = toInteractions(await this.deps.datasets.rows(tenantId, stored.datasetId), m.tenant_scope);
    const subjects = new Set(rows.map((r) => r.user)).size;
    this.deps.logger.info(
      { tenantId, datasetId: stored.datasetId, rows: rows.length, subjects, excluded: m.excluded },
      'training from stored dataset',
    );
    if (subjects < MIN_TRAINING_SUBJECTS) {
      throw new NotEnoughTrainingDataError(
        `tenant ${tenantId}: dataset ${stored.datasetId} has ${subjects} trainable subjects, at least ${MIN_TRAINING_SUBJECTS} are needed; nothing was published`,
      );
    }
    const items = await this.deps.catalog.items(tenantId);
    const catalog: CatalogItem[] = items.map((i) => ({
      itemId: i.itemId,
      title: i.title,
      tags: i.tags,
      category: i.category,
      qualityScore: i.qualityScore,
    }));
    const editorial = (await this.deps.catalog.editorial(tenantId)).get('home') ?? [];
    const routes = [...this.deps.surfaces.values()].flatMap((s) => routeSpecs(this.deps.registry, s));
    const config: TrainingConfig = { ...TRAINING_DEFAULTS, ...this.deps.options.training, minUsers: this.deps.options.minUsers };
    const trained = trainRoutes(rows, catalog, editorial, routes, config);
    const version = now.toISOString();
    const cards = this.cards(version, m, stored.rowsRemovedByDeletion, routes, trained.rankerLists, config);
    await this.deps.models.publish(
      tenantId,
      { version, manifest: m, cards, rankers: trained.rankers },
      { cf: trained.artifacts.retrieval.cf!, embeddings: trained.artifacts.retrieval.embeddings! },
    );
    const summary: TrainingSummary = {
      tenant: tenantId,
      version,
      dataset_id: stored.datasetId,
      dataset: m,
      rows_removed_by_deletion: stored.rowsRemovedByDeletion,
      routes: Object.fromEntries(routes.map((r) => [r.name, { lists: trained.rankerLists[r.name], weights: trained.rankers[r.name] }])),
      seconds: (Date.now() - started) / 1000,
    };
    this.deps.logger.info({ tenantId, version, datasetId: stored.datasetId, seconds: summary.seconds }, 'models trained and published');
    return summary;
  }

  /**
   * The dataset to train from. A served model is trained only from a dataset with every privacy filter on and
   * the tenant's own rows: a global_shared dataset would put other tenants' item ids into this tenant's
   * retrieval artifacts, which serving cannot yet keep apart (docs/training-datasets.md).
   */
  private async storedDataset(tenantId: string, datasetId: string | undefined, now: Date): Promise<StoredDataset> {
    let stored: StoredDataset | undefined;
    if (datasetId === undefined) {
      const built = await this.deps.builder.build(tenantId, { now });
      stored = await this.deps.datasets.get(tenantId, built.datasetId);
    } else {
      stored = await this.deps.datasets.get(tenantId, datasetId);
      if (!stored)
        throw new TrainingDatasetError(TrainingErrorCode.DATASET_NOT_FOUND, `tenant ${tenantId} has no stored dataset ${datasetId}`);
    }
    if (!stored)
      throw new TrainingDatasetError(TrainingErrorCode.DATASET_NOT_FOUND, `the dataset built for tenant ${tenantId} was not stored`);
    const m = stored.manifest;
    if (m.filter_overrides.length > 0) {
      throw new TrainingDatasetError(
        TrainingErrorCode.DATASET_NOT_TRAINABLE,
        `dataset ${stored.datasetId} was built with ${m.filter_overrides.map((o) => o.filter).join(', ')} switched off; served models are trained only with every privacy filter on`,
      );
    }
    if (m.tenant_scope === 'global_shared') {
      throw new TrainingDatasetError(
        TrainingErrorCode.DATASET_NOT_TRAINABLE,
        `dataset ${stored.datasetId} is global_shared; served models of tenant ${tenantId} are trained from its own rows only (see docs/training-datasets.md)`,
      );
    }
    return stored;
  }

  /** A model card per trained model, each with the privacy section of seed §43. */
  private cards(
    version: string,
    m: StoredDatasetManifest,
    removed: number,
    routes: RouteSpec[],
    lists: Record<string, number>,
    config: TrainingConfig,
  ) {
    const privacy = (features: string[]) => ({
      training_data_scope: `${m.tenant_scope}: behaviour of tenant ${m.tenant} subjects with a BEHAVIORAL_TRAINING grant, last ${m.window_days} days`,
      dataset_id: m.dataset_id,
      feature_privacy_classes: [...new Set(features.map((f) => this.deps.registry.features.get(f)?.privacy_class).filter(Boolean))].sort(),
      privacy_filter_version: m.privacy_filter_version,
      privacy_filters: m.privacy_filters,
      deletion_snapshot: m.deletion_snapshot,
      dataset: {
        dataset_id: m.dataset_id,
        rows: m.rows,
        subjects: m.subjects,
        items: m.items,
        excluded: m.excluded,
        rows_removed_by_deletion: removed,
        created_at: m.created_at,
      },
    });
    const sourceInputs = (source: string) => {
      const set = this.deps.registry.featureSets.get(this.deps.registry.sources.get(source)?.feature_set ?? '');
      return (set?.features ?? []).flatMap((f) => [f, ...(this.deps.registry.features.get(f)?.derived_from ?? [])]);
    };
    const cards: Record<string, unknown> = {
      user_cf: {
        name: 'user_cf',
        version,
        description: `EASE item-item weights (λ=${config.ease.lambda}, items with ≥${config.ease.minSupport} users, top ${config.ease.neighbors} per item).`,
        privacy: privacy(['user_recent_items']),
      },
      user_two_tower: {
        name: 'user_two_tower',
        version,
        description: `Implicit ALS item tower (${config.als.factors} factors); user vectors are folded in at read time, never stored.`,
        privacy: privacy(['user_recent_items', 'user_embedding']),
      },
    };
    for (const route of routes) {
      const used = route.terms.flatMap((t) => (t.startsWith(SOURCE_TERM_PREFIX) ? sourceInputs(t.slice(SOURCE_TERM_PREFIX.length)) : [t]));
      cards[route.name] = {
        name: route.name,
        version,
        description: `Linear ranker of route ${route.name} (${route.mode}), fitted by coordinate ascent on NDCG@20 over ${lists[route.name]} held-out lists.`,
        privacy: privacy(used),
      };
    }
    return cards;
  }
}
