import { DynamicModule, Module } from '@nestjs/common';
import { RankerGrpcController } from './ranking/ranking.grpc';
import { RankingService } from './ranking/ranking.service';

@Module({})
export class RankerModule {
  static register(ranking: RankingService): DynamicModule {
    return { module: RankerModule, controllers: [RankerGrpcController], providers: [{ provide: RankingService, useValue: ranking }] };
  }
}
