import { Candidate, CandidateSource, FeatureClient, fetchSourceFeatures, SourceRequest, topCandidates } from '../candidate-source';

/**
 * item_to_item: neighbours of the item being viewed now (`seed_item_id`), from thresholded co-occurrence.
 * Uses only current context, so it is allowed in CONTEXTUAL_ONLY.
 */
export class ItemToItemSource implements CandidateSource {
  readonly name = 'item_to_item';

  constructor(private readonly features: FeatureClient) {}

  async generate(request: SourceRequest): Promise<Candidate[]> {
    const seed = request.command.seedItemId;
    if (!seed) return [];
    const reply = await fetchSourceFeatures(this.features, request, 'candidates_item_to_item', { itemIds: [seed] });
    const weights = reply.items.find((i) => i.itemId === seed)?.features.item_cooccurrence_neighbors?.weights ?? {};
    return topCandidates(weights, this.name, request.limit, new Set([seed]));
  }
}
