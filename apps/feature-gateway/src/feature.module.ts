import { DynamicModule, Module } from '@nestjs/common';
import { AggregateRefresher } from './aggregates/aggregate-refresher';
import { CatalogService } from './catalog/catalog.service';
import { IngestionService } from './events/ingestion.service';
import { SubjectDataService } from './events/subject-data.service';
import { ExposureService } from './experiments/exposure.service';
import { FeatureGrpcController } from './features/feature.grpc';
import { FeatureService } from './features/feature.service';
import { RankingModelService } from './training/ranking-model.service';

export interface FeatureModuleDeps {
  features: FeatureService;
  ingestion: IngestionService;
  catalog: CatalogService;
  refresher: AggregateRefresher;
  subjects: SubjectDataService;
  rankingModels: RankingModelService;
  exposures: ExposureService;
}

@Module({})
export class FeatureModule {
  static register(deps: FeatureModuleDeps): DynamicModule {
    return {
      module: FeatureModule,
      controllers: [FeatureGrpcController],
      providers: [
        { provide: FeatureService, useValue: deps.features },
        { provide: IngestionService, useValue: deps.ingestion },
        { provide: CatalogService, useValue: deps.catalog },
        { provide: AggregateRefresher, useValue: deps.refresher },
        { provide: SubjectDataService, useValue: deps.subjects },
        { provide: RankingModelService, useValue: deps.rankingModels },
        { provide: ExposureService, useValue: deps.exposures },
      ],
    };
  }
}
