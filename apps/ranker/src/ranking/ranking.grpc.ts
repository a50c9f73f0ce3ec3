import { Controller, Inject } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { privacyToken } from '@recsys/service-kit';
import { RankerServiceController, RankerServiceControllerMethods, RankRequest, RankResponse } from '@recsys/proto';
import { RankingService } from './ranking.service';

@Controller()
@RankerServiceControllerMethods()
export class RankerGrpcController implements RankerServiceController {
  constructor(@Inject(RankingService) private readonly ranking: RankingService) {}

  rank(request: RankRequest, metadata?: Metadata): Promise<RankResponse> {
    return this.ranking.rank(request, privacyToken(metadata));
  }
}
