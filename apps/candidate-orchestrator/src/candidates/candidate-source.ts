import { FeatureServiceClient, FeatureValue, GetFeaturesRequest, GetFeaturesResponse, getFeaturesRequest } from '@recsys/proto';
import { UnaryClient } from '@recsys/service-kit';
import { topScores } from '@recsys/models';
import { RecommendCommand } from '../recommend/recommend.command';

/**
 * One source's candidates, best first, in columns: hundreds per source and Recommend, so no object per candidate
 * is made (they were the largest share of what a Recommend allocated).
 */
export interface CandidateList {
  source: string;
  /** The items by id; empty when `rows` names them. */
  itemIds: readonly string[];
  /** The items by their row of the Recommend's ranking features' table, when feature-gateway named them so. */
  rows?: readonly number[];
  /** Each item's score, 0..1 within the source. */
  scores: ArrayLike<number>;
}

/** How many candidates a list holds. */
export function candidateCount(list: CandidateList): number {
  return (list.rows ?? list.itemIds).length;
}

/** A source's candidates from [item id, score] pairs, best first. */
export function candidateList(source: string, entries: readonly (readonly [string, number])[]): CandidateList {
  return { source, itemIds: entries.map(([id]) => id), scores: Float64Array.from(entries, ([, score]) => score) };
}

/** What a source knows of the Recommend it serves. */
export interface SourceRequest {
  command: RecommendCommand;
  /** Candidates wanted from the source. */
  limit: number;
}

/**
 * A candidate source: a registry name, the GetFeatures request of its registry feature set, and how to read its
 * candidates from the answer. It never decides whether it may run (the router does) and never calls anything:
 * the orchestrator sends the requests of every routed source of a Recommend in one GetFeatureBatch.
 */
export interface CandidateSource {
  readonly name: string;
  /** The feature whose items are the source's candidates (the ranking features of those items come with them). */
  readonly listFeature: string;
  /** The request for this Recommend, or undefined when the source has nothing to go on (then nothing is sent). */
  request(request: SourceRequest): GetFeaturesRequest | undefined;
  /** The source's candidates from the gateway's answer to its request. */
  candidates(reply: GetFeaturesResponse, request: SourceRequest): CandidateList;
}

export type FeatureClient = Pick<UnaryClient<FeatureServiceClient>, 'getFeatureBatch' | 'getFeatures'>;

/** A GetFeatures request for a source's registry feature set, with the request context of the Recommend. */
export function sourceFeaturesRequest(
  request: SourceRequest,
  featureSet: string,
  extra: Partial<GetFeaturesRequest> = {},
): GetFeaturesRequest {
  return getFeaturesRequest({
    tenantId: request.command.tenantId,
    featureSet,
    region: request.command.region,
    deviceType: request.command.deviceType,
    localHour: request.command.localHour,
    ...extra,
  });
}

/** The top `limit` entries of a weight map as candidates, scores scaled to 0..1. */
export function topCandidates(
  weights: Record<string, number>,
  source: string,
  limit: number,
  exclude: ReadonlySet<string> = new Set(),
): CandidateList {
  const kept = exclude.size === 0 ? weights : Object.fromEntries(Object.entries(weights).filter(([id]) => !exclude.has(id)));
  return candidateList(source, topScores(kept, limit));
}

/**
 * A ranked list (best first, as feature-gateway answers `ranked_lists`, by item id or, in a batch that asked for
 * `ranked_rows`, by row of the ranking features' table) as candidates: its first `limit` entries, scores scaled
 * to 0..1 by the best of them. A malformed list (lengths differ, a score not a finite number) is an error (the
 * source then counts as failed) rather than candidates with made-up scores.
 */
export function rankedCandidates(
  list: Pick<FeatureValue, 'rankedItemIds' | 'rankedRows' | 'rankedScores'>,
  source: string,
  limit: number,
): CandidateList {
  const { rankedRows: rows, rankedItemIds: itemIds, rankedScores: scores } = list;
  const byRow = rows.length > 0;
  if (byRow && itemIds.length > 0) throw new Error('malformed ranked list: both item ids and rows');
  const items: readonly (string | number)[] = byRow ? rows : itemIds;
  if (items.length !== scores.length) throw new Error(`malformed ranked list: ${items.length} items, ${scores.length} scores`);
  const n = Math.min(limit, items.length);
  let max = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(scores[i])) throw new Error('malformed ranked list: a score is not a finite number');
    max = Math.max(max, scores[i]);
  }
  const scale = max > 0 ? max : 1;
  const scaled = new Float64Array(n);
  for (let i = 0; i < n; i++) scaled[i] = scores[i] / scale;
  const first = <T>(values: readonly T[]) => (n === values.length ? values : values.slice(0, n));
  return byRow ? { source, itemIds: [], rows: first(rows), scores: scaled } : { source, itemIds: first(itemIds), scores: scaled };
}
