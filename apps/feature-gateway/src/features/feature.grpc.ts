import { Controller, Inject } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { isValidTenantId } from '@recsys/tenant-keys';
import { InvalidArgumentError, privacyToken } from '@recsys/service-kit';
import {
  CountSubjectDataRequest,
  ExportSubjectProfileRequest,
  FeatureServiceController,
  FeatureServiceControllerMethods,
  GetFeatureBatchRequest,
  GetFeatureBatchResponse,
  GetFeaturesRequest,
  GetFeaturesResponse,
  GetRankingModelRequest,
  ImportCatalogRequest,
  ImportCatalogResult,
  IngestEventsRequest,
  IngestEventsResult,
  PurgeSubjectProfileRequest,
  PurgeSubjectProfileResult,
  RankingModel,
  RecordExposuresRequest,
  RecordExposuresResult,
  SubjectDataCount,
  SubjectProfileExport,
  RefreshAggregatesRequest,
  RefreshAggregatesResult,
} from '@recsys/proto';
import { AggregateRefresher } from '../aggregates/aggregate-refresher';
import { CatalogService } from '../catalog/catalog.service';
import { IngestionService } from '../events/ingestion.service';
import { SubjectDataService } from '../events/subject-data.service';
import { ExposureService } from '../experiments/exposure.service';
import { RankingModelService } from '../training/ranking-model.service';
import { FeatureService } from './feature.service';

@Controller()
@FeatureServiceControllerMethods()
export class FeatureGrpcController implements FeatureServiceController {
  constructor(
    @Inject(FeatureService) private readonly features: FeatureService,
    @Inject(IngestionService) private readonly ingestion: IngestionService,
    @Inject(CatalogService) private readonly catalog: CatalogService,
    @Inject(AggregateRefresher) private readonly refresher: AggregateRefresher,
    @Inject(SubjectDataService) private readonly subjects: SubjectDataService,
    @Inject(RankingModelService) private readonly rankingModels: RankingModelService,
    @Inject(ExposureService) private readonly exposures: ExposureService,
  ) {}

  ingestEvents(request: IngestEventsRequest): Promise<IngestEventsResult> {
    return this.ingestion.ingest(request);
  }

  getFeatures(request: GetFeaturesRequest, metadata?: Metadata): Promise<GetFeaturesResponse> {
    return this.features.getFeatures(request, privacyToken(metadata));
  }

  getFeatureBatch(request: GetFeatureBatchRequest, metadata?: Metadata): Promise<GetFeatureBatchResponse> {
    return this.features.getFeatureBatch(request, privacyToken(metadata));
  }

  importCatalog(request: ImportCatalogRequest): Promise<ImportCatalogResult> {
    return this.catalog.import(request);
  }

  async refreshAggregates(request: RefreshAggregatesRequest): Promise<RefreshAggregatesResult> {
    if (!isValidTenantId(request.tenantId)) throw new InvalidArgumentError(['tenant_id is missing or invalid']);
    return this.refresher.refresh(request.tenantId);
  }

  purgeSubjectProfile(request: PurgeSubjectProfileRequest): Promise<PurgeSubjectProfileResult> {
    return this.subjects.purge(request);
  }

  countSubjectData(request: CountSubjectDataRequest): Promise<SubjectDataCount> {
    return this.subjects.count(request);
  }

  exportSubjectProfile(request: ExportSubjectProfileRequest): Promise<SubjectProfileExport> {
    return this.subjects.export(request);
  }

  recordExposures(request: RecordExposuresRequest): Promise<RecordExposuresResult> {
    return this.exposures.record(request);
  }

  getRankingModel(request: GetRankingModelRequest): Promise<RankingModel> {
    return this.rankingModels.get(request);
  }
}
