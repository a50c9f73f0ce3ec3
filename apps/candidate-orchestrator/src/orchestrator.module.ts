import { DynamicModule, Module } from '@nestjs/common';
import { RecommendGrpcController } from './recommend/recommend.grpc';
import { RecommendationService } from './recommend/recommendation.service';
import { SURFACE_NAMES } from './recommend/tokens';

@Module({})
export class OrchestratorModule {
  static register(service: RecommendationService, surfaces: ReadonlySet<string>): DynamicModule {
    return {
      module: OrchestratorModule,
      controllers: [RecommendGrpcController],
      providers: [
        { provide: RecommendationService, useValue: service },
        { provide: SURFACE_NAMES, useValue: surfaces },
      ],
    };
  }
}
