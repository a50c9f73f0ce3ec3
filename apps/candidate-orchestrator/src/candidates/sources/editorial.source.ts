import { Candidate, CandidateSource, FeatureClient, fetchSourceFeatures, SourceRequest, topCandidates } from '../candidate-source';

/** editorial: the tenant's curated list. Nobody's behaviour; allowed in every mode. */
export class EditorialSource implements CandidateSource {
  readonly name = 'editorial';

  constructor(private readonly features: FeatureClient) {}

  async generate(request: SourceRequest): Promise<Candidate[]> {
    const reply = await fetchSourceFeatures(this.features, request, 'candidates_editorial');
    return topCandidates(reply.contextFeatures.editorial_items?.weights ?? {}, this.name, request.limit);
  }
}
