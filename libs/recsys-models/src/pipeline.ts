import { ALS_DEFAULTS, AlsOptions, ItemEmbeddings, trainAls } from './als';
import { ContentIndex, ContentItem } from './content';
import { COOCCURRENCE_DEFAULTS, CooccurrenceOptions, thresholdedCooccurrence } from './cooccurrence';
import { EaseOptions, sparsifyEase, trainEase } from './ease';
import { Interaction, InteractionMatrix } from './interactions';
import { ItemNeighbors } from './neighbors';
import { ranked, thresholdedPopularity } from './popularity';
import { RankableCandidate, rankerInputs, RANKER_TRAINING_DEFAULTS, trainLinearRanker, TrainingList } from './ranker';
import {
  contentSimilarScores,
  itemToItemScores,
  listScores,
  RetrievalArtifacts,
  RetrievalRequest,
  sessionIntentScores,
  topScores,
  twoTowerScores,
  userCfScores,
  userEmbedding,
} from './sources';
import { leaveLastOut } from './split';
import { Scores } from './retrieval';

export type RouteMode = 'personalized' | 'contextual_only' | 'non_personalized';

/** A ranking route as training sees it: the sources that feed it and the terms its model may weight. */
export interface RouteSpec {
  name: string;
  mode: RouteMode;
  /** Candidate sources of the route's surface and mode, already filtered by the registry for the mode. */
  sources: readonly string[];
  /** Terms the route's model may weight: `source:<name>` for its sources and its consumed numeric features. */
  terms: readonly string[];
  /** The route's default weights: kept for terms the training data says nothing about. */
  defaultWeights?: Readonly<Record<string, number>>;
}

export interface TrainingConfig {
  ease: EaseOptions & { neighbors: number };
  als: AlsOptions;
  /** k of every aggregate over people (popularity, co-occurrence). */
  minUsers: number;
  cooccurrence: Omit<CooccurrenceOptions, 'minUsers'>;
  /** Each user's last `rankerHoldout` items are the ranker's training targets. */
  rankerHoldout: number;
  candidatesPerSource: number;
  /** At most this many users' lists train the ranker (the most recent ones are not preferred: all are equal). */
  rankerUsers: number;
}

export const TRAINING_DEFAULTS: TrainingConfig = {
  ease: { lambda: 200, minSupport: 5, maxItems: 3000, neighbors: 200 },
  als: ALS_DEFAULTS,
  minUsers: 10,
  cooccurrence: COOCCURRENCE_DEFAULTS,
  rankerHoldout: 5,
  candidatesPerSource: 100,
  rankerUsers: 2000,
};

export interface CatalogItem extends ContentItem {
  qualityScore: number;
}

/** Everything derived from one set of interactions that serving and ranking read. */
export interface Artifacts {
  retrieval: RetrievalArtifacts;
  /** Thresholded global popularity, best first (trending in one scope; offline there is only the global one). */
  popularity: Map<string, number>;
  trending: [string, number][];
  editorial: readonly string[];
  catalog: ReadonlyMap<string, CatalogItem>;
}

/** Trains the models and builds the aggregates of one set of interactions. */
export function buildArtifacts(
  rows: readonly Interaction[],
  catalog: readonly CatalogItem[],
  editorial: readonly string[],
  config: TrainingConfig,
): Artifacts {
  // Trained models are served to everyone: an item joins them only with at least k distinct users (seed §22),
  // like every aggregate over people.
  const users = new Map<string, Set<string>>();
  for (const r of rows) if (r.weight > 0) (users.get(r.item) ?? users.set(r.item, new Set()).get(r.item)!).add(r.user);
  const supported = rows.filter((r) => (users.get(r.item)?.size ?? 0) >= config.minUsers);
  const matrix = InteractionMatrix.from(supported);
  const cf: ItemNeighbors = sparsifyEase(
    trainEase(matrix, { ...config.ease, minSupport: Math.max(config.ease.minSupport, config.minUsers) }),
    config.ease.neighbors,
  );
  const embeddings: ItemEmbeddings = trainAls(matrix, config.als);
  const cooccurrence = thresholdedCooccurrence(rows, { ...config.cooccurrence, minUsers: config.minUsers });
  const popularity = thresholdedPopularity(rows, config.minUsers);
  return {
    retrieval: new RetrievalArtifacts(cf, embeddings, cooccurrence, catalog.length > 0 ? new ContentIndex(catalog) : undefined),
    popularity,
    trending: ranked(popularity),
    editorial,
    catalog: new Map(catalog.map((c) => [c.itemId, c])),
  };
}

/** One source's scores for a request (before the per-source limit). */
export function sourceScores(name: string, a: Artifacts, req: RetrievalRequest): Scores {
  const history = req.history ?? new Map<string, number>();
  switch (name) {
    case 'user_cf':
      return userCfScores(a.retrieval, history);
    case 'user_two_tower':
      return twoTowerScores(a.retrieval, userEmbedding(a.retrieval, history), new Set(history.keys()));
    case 'item_to_item':
      return itemToItemScores(a.retrieval, req.seedItemId ?? '');
    case 'session_intent':
      return sessionIntentScores(a.retrieval, req.sessionItems ?? []);
    case 'content_similar':
      return contentSimilarScores(a.retrieval, req.seedItemId, req.query);
    case 'trending_region':
      return listScores(a.trending.slice(0, 1000));
    case 'editorial':
      return listScores(a.editorial);
    default:
      throw new Error(`unknown candidate source ${name}`);
  }
}

/**
 * The candidates of a route for one request, merged by item with each source's normalized score — what the
 * orchestrator does with the sources' answers. The seed item never comes back.
 */
export function routeCandidates(route: RouteSpec, a: Artifacts, req: RetrievalRequest, limitPerSource: number): RankableCandidate[] {
  const merged = new Map<string, Record<string, number>>();
  for (const source of route.sources) {
    for (const [item, score] of topScores(sourceScores(source, a, req), limitPerSource)) {
      if (item === req.seedItemId) continue;
      const entry = merged.get(item) ?? {};
      entry[source] = score;
      merged.set(item, entry);
    }
  }
  return [...merged].map(([itemId, scores]) => ({
    itemId,
    sourceScores: scores,
    category: a.catalog.get(itemId)?.category ?? '',
    numbers: {
      item_quality_score: a.catalog.get(itemId)?.qualityScore ?? 0,
      item_popularity: a.popularity.get(itemId) ?? 0,
      region_popularity: a.popularity.get(itemId) ?? 0,
    },
  }));
}

/** The subject's category shares, as user_category_affinity_30d computes them (sums to 1). */
export function categoryAffinity(history: ReadonlyMap<string, number>, catalog: ReadonlyMap<string, CatalogItem>): Record<string, number> {
  const raw: Record<string, number> = {};
  let total = 0;
  for (const [item, w] of history) {
    const category = catalog.get(item)?.category;
    if (!category || w <= 0) continue;
    raw[category] = (raw[category] ?? 0) + w;
    total += w;
  }
  return total > 0 ? Object.fromEntries(Object.entries(raw).map(([c, v]) => [c, v / total])) : {};
}

/** A user's request inputs in a route's mode: personalized sees the history, contextual only the last item. */
export function requestFor(mode: RouteMode, history: ReadonlyMap<string, number>, lastItem: string | undefined): RetrievalRequest {
  if (mode === 'personalized') return { history };
  if (mode === 'contextual_only') return { seedItemId: lastItem };
  return {};
}

/** Per user: item → summed weight, and the most recent item. */
export function histories(rows: readonly Interaction[]): Map<string, { items: Map<string, number>; last: string; lastAt: number }> {
  const out = new Map<string, { items: Map<string, number>; last: string; lastAt: number }>();
  for (const r of rows) {
    let h = out.get(r.user);
    if (!h) out.set(r.user, (h = { items: new Map(), last: r.item, lastAt: r.timestampMs }));
    h.items.set(r.item, (h.items.get(r.item) ?? 0) + r.weight);
    if (r.timestampMs > h.lastAt || (r.timestampMs === h.lastAt && r.item > h.last)) {
      h.last = r.item;
      h.lastAt = r.timestampMs;
    }
  }
  return out;
}

export interface TrainedRoutes {
  artifacts: Artifacts;
  /** Route name → linear model weights. */
  rankers: Record<string, Record<string, number>>;
  /** Lists (users) each route's ranker was trained on. */
  rankerLists: Record<string, number>;
}

/**
 * The whole offline pipeline for one governed dataset: the ranker of each route is fitted on each user's last
 * `rankerHoldout` items with retrieval trained on everything before them; then retrieval is retrained on all rows.
 */
export function trainRoutes(
  rows: readonly Interaction[],
  catalog: readonly CatalogItem[],
  editorial: readonly string[],
  routes: readonly RouteSpec[],
  config: TrainingConfig = TRAINING_DEFAULTS,
): TrainedRoutes {
  const split = leaveLastOut(rows, config.rankerHoldout);
  const inner = buildArtifacts(split.train, catalog, editorial, config);
  const innerHistories = histories(split.train);
  const users = [...split.test.keys()]
    .filter((u) => innerHistories.has(u))
    .sort()
    .slice(0, config.rankerUsers);
  const rankers: Record<string, Record<string, number>> = {};
  const rankerLists: Record<string, number> = {};
  for (const route of routes) {
    const lists: TrainingList[] = [];
    for (const user of users) {
      const h = innerHistories.get(user)!;
      const relevant = split.test.get(user)!;
      const candidates = routeCandidates(route, inner, requestFor(route.mode, h.items, h.last), config.candidatesPerSource);
      const affinity = route.mode === 'personalized' ? categoryAffinity(h.items, inner.catalog) : {};
      lists.push({ inputs: candidates.map((c) => rankerInputs(c, affinity)), relevant: candidates.map((c) => relevant.has(c.itemId)) });
    }
    rankers[route.name] = trainLinearRanker(lists, { terms: route.terms, ...RANKER_TRAINING_DEFAULTS, fallback: route.defaultWeights });
    // The lists the trainer learns from: at least two candidates, at least one of them relevant.
    rankerLists[route.name] = lists.filter((l) => l.inputs.length > 1 && l.relevant.some(Boolean)).length;
  }
  return { artifacts: buildArtifacts(rows, catalog, editorial, config), rankers, rankerLists };
}
