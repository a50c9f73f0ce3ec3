import { GetFeaturesRequest, GetFeaturesResponse } from '@recsys/proto';
import { CandidateList, CandidateSource, SourceRequest, sourceFeaturesRequest, topCandidates } from '../candidate-source';

/**
 * item_to_item: neighbours of the item being viewed now (`seed_item_id`), from thresholded co-occurrence.
 * Uses only current context, so it is allowed in CONTEXTUAL_ONLY.
 */
export class ItemToItemSource implements CandidateSource {
  readonly name = 'item_to_item';
  readonly listFeature = 'item_cooccurrence_neighbors';

  request(request: SourceRequest): GetFeaturesRequest | undefined {
    const seed = request.command.seedItemId;
    return seed ? sourceFeaturesRequest(request, 'candidates_item_to_item', { itemIds: [seed] }) : undefined;
  }

  candidates(reply: GetFeaturesResponse, request: SourceRequest): CandidateList {
    const seed = request.command.seedItemId;
    const weights = reply.items.find((i) => i.itemId === seed)?.features.item_cooccurrence_neighbors?.weights ?? {};
    return topCandidates(weights, this.name, request.limit, new Set([seed]));
  }
}
