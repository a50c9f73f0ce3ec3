import type { Logger } from 'pino';
import { Registry, SurfaceConfig } from '@recsys/feature-registry';
import {
  buildGovernedDataset,
  CatalogItem,
  DatasetManifest,
  DEFAULT_PRIVACY_FILTERS,
  GovernedDataset,
  PrivacyFilters,
  routeSpecs,
  RouteSpec,
  SOURCE_TERM_PREFIX,
  TRAINING_DEFAULTS,
  TrainingConfig,
  trainRoutes,
} from '@recsys/models';
import { CheckTrainingConsentResult, ConsentServiceClient } from '@recsys/proto';
import { UnaryClient } from '@recsys/service-kit';
import { CatalogRepository } from '../catalog/catalog.repository';
import { ModelRepository } from './model.repository';
import { TrainingDataRepository } from './training-data.repository';

const CONSENT_BATCH = 5000;
/** Below this many trainable subjects a tenant's model would describe individuals more than taste: refused. */
export const MIN_TRAINING_SUBJECTS = 20;

export interface TrainerDeps {
  data: TrainingDataRepository;
  catalog: CatalogRepository;
  models: ModelRepository;
  consent: Pick<UnaryClient<ConsentServiceClient>, 'checkTrainingConsent'>;
  registry: Registry;
  surfaces: Map<string, SurfaceConfig>;
  logger: Logger;
  options: { minUsers: number; windowDays: number; filters?: PrivacyFilters; training?: Partial<TrainingConfig> };
}

export interface TrainingSummary {
  tenant: string;
  version: string;
  dataset: DatasetManifest;
  routes: Record<string, { lists: number; weights: Record<string, number> }>;
  seconds: number;
}

export class NotEnoughTrainingDataError extends Error {}

/**
 * The offline training job of one tenant (seed §17, §43): builds the governed dataset (only subjects with a
 * current BEHAVIORAL_TRAINING grant and no deletion request; the tenant's own data only), trains retrieval
 * (EASE item-item weights, ALS item tower) and every ranking route, and publishes them as one new version
 * with model cards. Feature-gateway replicas pick the version up on their next snapshot reload, the ranker on
 * its next model refresh.
 */
export class ModelTrainer {
  constructor(private readonly deps: TrainerDeps) {}

  /** The governed dataset of a tenant, as the trainer would train on it. */
  async dataset(tenantId: string): Promise<GovernedDataset> {
    const rows = await this.deps.data.rows(tenantId, this.deps.options.windowDays);
    const subjects = [...new Set(rows.map((r) => r.user))];
    const trainable = new Set<string>();
    const deleted = new Set<string>();
    let snapshot = '';
    for (let i = 0; i < subjects.length; i += CONSENT_BATCH) {
      const answer: CheckTrainingConsentResult = await this.deps.consent.checkTrainingConsent({
        tenantId,
        subjectPids: subjects.slice(i, i + CONSENT_BATCH),
      });
      answer.trainablePids.forEach((pid) => trainable.add(pid));
      answer.deletedPids.forEach((pid) => deleted.add(pid));
      snapshot = answer.deletionSnapshot;
    }
    // Fail closed: whoever consent-service did not name as trainable is excluded.
    const noTrainingConsent = new Set(subjects.filter((pid) => !trainable.has(pid)));
    return buildGovernedDataset(`${tenantId}-training`, tenantId, rows, this.deps.options.filters ?? DEFAULT_PRIVACY_FILTERS, {
      deleted,
      noTrainingConsent,
      deletionSnapshot: snapshot || 'unknown',
    });
  }

  async train(tenantId: string, now = new Date()): Promise<TrainingSummary> {
    const started = Date.now();
    const governed = await this.dataset(tenantId);
    const m = governed.manifest;
    this.deps.logger.info(
      { tenantId, rows: m.rows, subjects: m.subjects, items: m.items, excluded: m.excluded },
      'governed training dataset built',
    );
    if (m.subjects < MIN_TRAINING_SUBJECTS) {
      throw new NotEnoughTrainingDataError(
        `tenant ${tenantId}: ${m.subjects} trainable subjects, at least ${MIN_TRAINING_SUBJECTS} are needed; nothing was published`,
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
    const trained = trainRoutes(governed.rows, catalog, editorial, routes, config);
    const version = now.toISOString();
    const cards = this.cards(version, m, routes, trained.rankerLists, config);
    await this.deps.models.publish(
      tenantId,
      { version, manifest: m, cards, rankers: trained.rankers },
      { cf: trained.artifacts.retrieval.cf!, embeddings: trained.artifacts.retrieval.embeddings! },
    );
    const summary: TrainingSummary = {
      tenant: tenantId,
      version,
      dataset: m,
      routes: Object.fromEntries(routes.map((r) => [r.name, { lists: trained.rankerLists[r.name], weights: trained.rankers[r.name] }])),
      seconds: (Date.now() - started) / 1000,
    };
    this.deps.logger.info({ tenantId, version, seconds: summary.seconds }, 'models trained and published');
    return summary;
  }

  /** A model card per trained model, each with the privacy section of seed §43. */
  private cards(version: string, m: DatasetManifest, routes: RouteSpec[], lists: Record<string, number>, config: TrainingConfig) {
    const privacy = (features: string[]) => ({
      training_data_scope: `${m.tenant_scope}: behaviour of tenant ${m.tenant} subjects with a BEHAVIORAL_TRAINING grant, last ${this.deps.options.windowDays} days`,
      feature_privacy_classes: [...new Set(features.map((f) => this.deps.registry.features.get(f)?.privacy_class).filter(Boolean))].sort(),
      privacy_filter_version: m.privacy_filter_version,
      privacy_filters: m.privacy_filters,
      deletion_snapshot: m.deletion_snapshot,
      dataset: { rows: m.rows, subjects: m.subjects, items: m.items, excluded: m.excluded, created_at: m.created_at },
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
