import { Candidate, CandidateSource, FeatureClient, fetchSourceFeatures, SourceRequest, topCandidates } from '../candidate-source';

const SEEDS = 20;

/**
 * user_cf: item-based collaborative filtering over the subject's own history — the items the subject
 * interacted with, expanded through thresholded item co-occurrence. Personal: runs only in PERSONALIZED.
 */
export class UserCfSource implements CandidateSource {
  readonly name = 'user_cf';

  constructor(private readonly features: FeatureClient) {}

  async generate(request: SourceRequest): Promise<Candidate[]> {
    const profile = await fetchSourceFeatures(this.features, request, 'candidates_user_cf');
    const history = profile.userFeatures.user_recent_items?.weights ?? {};
    const seeds = Object.entries(history)
      .filter(([, w]) => w > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, SEEDS);
    if (seeds.length === 0) return [];
    const neighbors = await fetchSourceFeatures(this.features, request, 'candidates_user_cf', { itemIds: seeds.map(([id]) => id) });
    const scores: Record<string, number> = {};
    const seedWeight = new Map(seeds);
    for (const item of neighbors.items) {
      const w = seedWeight.get(item.itemId) ?? 0;
      for (const [neighbor, sim] of Object.entries(item.features.item_cooccurrence_neighbors?.weights ?? {})) {
        scores[neighbor] = (scores[neighbor] ?? 0) + w * sim;
      }
    }
    // Items the subject already interacted with (or hid) are not news.
    return topCandidates(scores, this.name, request.limit, new Set(Object.keys(history)));
  }
}
