import { DynamicModule, Module } from '@nestjs/common';
import { AggregateRefresher } from './aggregates/aggregate-refresher';
import { CatalogService } from './catalog/catalog.service';
import { IngestionService } from './events/ingestion.service';
import { FeatureGrpcController } from './features/feature.grpc';
import { FeatureService } from './features/feature.service';

export interface FeatureModuleDeps {
  features: FeatureService;
  ingestion: IngestionService;
  catalog: CatalogService;
  refresher: AggregateRefresher;
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
      ],
    };
  }
}
