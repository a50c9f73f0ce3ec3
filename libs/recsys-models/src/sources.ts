import { foldInUser, ItemEmbeddings } from './als';
import { ContentIndex } from './content';
import { ItemNeighbors } from './neighbors';
import {
  embeddingScores,
  embeddingTopScores,
  neighborhoodScores,
  neighborhoodTopScores,
  recencyWeights,
  rowIndex,
  Scores,
  topScores,
  topScoresOfList,
} from './retrieval';

/**
 * The candidate sources of the platform as pure functions of a tenant's artifacts and one request's inputs.
 * feature-gateway computes each source's candidates with these (after the registry allowed the inputs), and
 * offline evaluation replays the same functions, so what is measured is what is served.
 */

/** One tenant's retrieval artifacts: trained models and thresholded aggregates. Any may be missing. */
export class RetrievalArtifacts {
  readonly cfRows: Map<string, number>;
  readonly embeddingRows: Map<string, number>;
  readonly cooccurrenceRows: Map<string, number>;

  constructor(
    /** user_cf: EASE item-item weights, sparsified (trained from the governed dataset). */
    readonly cf: ItemNeighbors | undefined,
    /** user_two_tower: the item tower of implicit ALS (trained from the governed dataset). */
    readonly embeddings: ItemEmbeddings | undefined,
    /** item_to_item and session_intent: thresholded co-occurrence (aggregate, k distinct users per pair). */
    readonly cooccurrence: ItemNeighbors | undefined,
    /** content_similar: catalog text index. */
    readonly content: ContentIndex | undefined,
  ) {
    this.cfRows = rowIndex(cf?.items ?? []);
    this.embeddingRows = rowIndex(embeddings?.items ?? []);
    this.cooccurrenceRows = rowIndex(cooccurrence?.items ?? []);
  }
}

/** What one request brings; each source reads only its part, and only when the registry allowed it. */
export interface RetrievalRequest {
  /** The subject's history (item → interaction weight), personalized mode only. */
  history?: ReadonlyMap<string, number>;
  /** The item being viewed now. */
  seedItemId?: string;
  /** The current search query. */
  query?: string;
  /** The anonymous session's items, newest first. */
  sessionItems?: readonly string[];
}

/** Sessions weigh their newest items most: the weight halves every this many items. */
const SESSION_HALF_LIFE = 3;

export function userCfScores(a: RetrievalArtifacts, history: ReadonlyMap<string, number>): Scores {
  if (!a.cf) return new Map();
  return neighborhoodScores(a.cf, a.cfRows, history, new Set(history.keys()));
}

/** `topScores(userCfScores(a, history), limit)`, without the map of every item the history touches (serving). */
export function userCfTopScores(a: RetrievalArtifacts, history: ReadonlyMap<string, number>, limit: number): [string, number][] {
  if (!a.cf) return [];
  return neighborhoodTopScores(a.cf, a.cfRows, history, new Set(history.keys()), limit);
}

/** The subject's embedding folded in from their current history (positive weights only). */
export function userEmbedding(a: RetrievalArtifacts, history: ReadonlyMap<string, number>): Float64Array | undefined {
  if (!a.embeddings) return undefined;
  const rows = new Map<number, number>();
  for (const [item, w] of history) {
    const row = a.embeddingRows.get(item);
    if (row !== undefined && w > 0) rows.set(row, (rows.get(row) ?? 0) + w);
  }
  return foldInUser(a.embeddings, rows);
}

/** With `limit`, only the best `limit` items are scored into the result (the serving path asks for its top 100). */
export function twoTowerScores(
  a: RetrievalArtifacts,
  user: Float64Array | undefined,
  exclude: ReadonlySet<string>,
  limit?: number,
): Scores {
  if (!a.embeddings || !user) return new Map();
  return embeddingScores(a.embeddings, user, exclude, limit);
}

/** `topScores(twoTowerScores(a, user, exclude, limit), limit)`, without the map in between (serving). */
export function twoTowerTopScores(
  a: RetrievalArtifacts,
  user: Float64Array | undefined,
  exclude: ReadonlySet<string>,
  limit: number,
): [string, number][] {
  if (!a.embeddings || !user) return [];
  return embeddingTopScores(a.embeddings, user, exclude, limit);
}

export function itemToItemScores(a: RetrievalArtifacts, seedItemId: string): Scores {
  if (!a.cooccurrence || !seedItemId) return new Map();
  return neighborhoodScores(a.cooccurrence, a.cooccurrenceRows, [[seedItemId, 1]], new Set([seedItemId]));
}

export function sessionIntentScores(a: RetrievalArtifacts, sessionItems: readonly string[]): Scores {
  if (!a.cooccurrence || sessionItems.length === 0) return new Map();
  return neighborhoodScores(a.cooccurrence, a.cooccurrenceRows, recencyWeights(sessionItems, SESSION_HALF_LIFE), new Set(sessionItems));
}

export function contentSimilarScores(
  a: RetrievalArtifacts,
  seedItemId: string | undefined,
  query: string | undefined,
  limit?: number,
): Scores {
  if (!a.content) return new Map();
  if (seedItemId) return limit ? new Map(a.content.topSimilarToItem(seedItemId, limit)) : a.content.similarToItem(seedItemId);
  if (query) return a.content.matchingQuery(query);
  return new Map();
}

/**
 * `topScores(contentSimilarScores(a, seedItemId, query, limit), limit)`: a seed's remembered top is scaled without
 * a map of it in between (serving).
 */
export function contentSimilarTopScores(
  a: RetrievalArtifacts,
  seedItemId: string | undefined,
  query: string | undefined,
  limit: number,
): [string, number][] {
  // The index's top of a seed names each item once (one per row), best first: topScoresOfList's precondition.
  if (a.content && seedItemId && limit) return topScoresOfList(a.content.topSimilarToItem(seedItemId, limit), limit);
  return topScores(contentSimilarScores(a, seedItemId, query, limit), limit);
}

/** A ranked list (trending, editorial) as scores: the list's own scores, or 1/position. */
export function listScores(list: readonly [string, number][] | readonly string[]): Scores {
  return new Map(list.map((entry, i) => (typeof entry === 'string' ? [entry, 1 / (i + 1)] : entry)));
}

export { topScores };
