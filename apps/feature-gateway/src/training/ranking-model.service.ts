import { Registry } from '@recsys/feature-registry';
import { GetRankingModelRequest, RankingModel } from '@recsys/proto';
import { isValidTenantId } from '@recsys/tenant-keys';
import { InvalidArgumentError } from '@recsys/service-kit';
import { ModelRepository } from './model.repository';

/** GetRankingModel: the active trained weights of one route of one tenant, for the ranker. */
export class RankingModelService {
  constructor(
    private readonly models: ModelRepository,
    private readonly registry: Registry,
  ) {}

  async get(req: GetRankingModelRequest): Promise<RankingModel> {
    const problems: string[] = [];
    if (!isValidTenantId(req.tenantId)) problems.push('tenant_id is missing or invalid');
    if (!this.registry.routes.has(req.route)) problems.push('route is not a registered ranking route');
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const model = await this.models.ranker(req.tenantId, req.route);
    if (!model) return { found: false, version: '', weights: {}, cardJson: '' };
    return { found: true, version: model.version, weights: model.weights, cardJson: JSON.stringify(model.card ?? {}) };
  }
}
