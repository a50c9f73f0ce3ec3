import { Candidate, CandidateSource, FeatureClient, fetchSourceFeatures, SourceRequest, topCandidates } from '../candidate-source';

/** trending_region: k-thresholded popularity of the request's region, falling back to country and global. */
export class TrendingRegionSource implements CandidateSource {
  readonly name = 'trending_region';

  constructor(private readonly features: FeatureClient) {}

  async generate(request: SourceRequest): Promise<Candidate[]> {
    const reply = await fetchSourceFeatures(this.features, request, 'candidates_trending_region');
    return topCandidates(reply.contextFeatures.region_popular_items?.weights ?? {}, this.name, request.limit);
  }
}
