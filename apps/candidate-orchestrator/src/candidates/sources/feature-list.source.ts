import { GetFeaturesRequest, GetFeaturesResponse } from '@recsys/proto';
import { RecommendCommand } from '../../recommend/recommend.command';
import { CandidateList, CandidateSource, rankedCandidates, SourceRequest, sourceFeaturesRequest, topCandidates } from '../candidate-source';

/** A source whose candidates are one weights feature of its registry feature set, computed by feature-gateway. */
export interface FeatureListSpec {
  name: string;
  featureSet: string;
  feature: string;
  /** Where the gateway puts the feature: the subject's features, or the request's (context, region, session). */
  entity: 'user' | 'context';
  /** What the request must carry for the source to have anything to say; without it the source is not called. */
  needs?: (cmd: RecommendCommand) => boolean;
  /** Request fields the source sends (seed item, query). */
  extra?: (cmd: RecommendCommand) => Partial<GetFeaturesRequest>;
}

/**
 * The candidate sources that feature-gateway computes next to the data they need (seed §5): the orchestrator
 * never receives a subject's history, embedding or session, only the resulting candidate ids and scores.
 */
export class FeatureListSource implements CandidateSource {
  readonly name: string;
  readonly listFeature: string;

  constructor(private readonly spec: FeatureListSpec) {
    this.name = spec.name;
    this.listFeature = spec.feature;
  }

  request(request: SourceRequest): GetFeaturesRequest | undefined {
    if (this.spec.needs && !this.spec.needs(request.command)) return undefined;
    return sourceFeaturesRequest(request, this.spec.featureSet, {
      candidateLimit: request.limit,
      // The list comes back as two arrays instead of a map: hundreds of entries per source and Recommend.
      rankedLists: true,
      ...this.spec.extra?.(request.command),
    });
  }

  candidates(reply: GetFeaturesResponse, request: SourceRequest): CandidateList {
    const value = (this.spec.entity === 'user' ? reply.userFeatures : reply.contextFeatures)[this.spec.feature];
    if (value && (value.rankedItemIds.length > 0 || value.rankedRows.length > 0)) return rankedCandidates(value, this.name, request.limit);
    return topCandidates(value?.weights ?? {}, this.name, request.limit);
  }
}

/** The platform's feature-backed sources, by registry name. */
export const FEATURE_LIST_SOURCES: FeatureListSpec[] = [
  { name: 'user_cf', featureSet: 'candidates_user_cf', feature: 'user_cf_items', entity: 'user' },
  { name: 'user_two_tower', featureSet: 'candidates_user_two_tower', feature: 'user_two_tower_items', entity: 'user' },
  {
    name: 'session_intent',
    featureSet: 'candidates_session_intent',
    feature: 'session_intent_items',
    entity: 'context',
    // Only an anonymous visitor has session state (a signed-in subject's behaviour is in the profile store).
    needs: (cmd) => cmd.userId === '' && cmd.anonymousId !== '',
  },
  {
    name: 'content_similar',
    featureSet: 'candidates_content_similar',
    feature: 'content_similar_items',
    entity: 'context',
    needs: (cmd) => cmd.seedItemId !== '' || cmd.query !== '',
    extra: (cmd) => ({ seedItemId: cmd.seedItemId, query: cmd.query }),
  },
  { name: 'trending_region', featureSet: 'candidates_trending_region', feature: 'region_popular_items', entity: 'context' },
  { name: 'editorial', featureSet: 'candidates_editorial', feature: 'editorial_items', entity: 'context' },
];
