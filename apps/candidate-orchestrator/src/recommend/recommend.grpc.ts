import { Controller, Inject } from '@nestjs/common';
import {
  RecommendationServiceController,
  RecommendationServiceControllerMethods,
  RecommendRequest,
  RecommendResponse,
} from '@recsys/proto';
import { recommendCommand } from './recommend.command';
import { RecommendationService } from './recommendation.service';
import { SURFACE_NAMES } from './tokens';

@Controller()
@RecommendationServiceControllerMethods()
export class RecommendGrpcController implements RecommendationServiceController {
  constructor(
    @Inject(RecommendationService) private readonly recommendations: RecommendationService,
    @Inject(SURFACE_NAMES) private readonly surfaces: ReadonlySet<string>,
  ) {}

  recommend(request: RecommendRequest): Promise<RecommendResponse> {
    return this.recommendations.recommend(recommendCommand(request, this.surfaces));
  }
}
