import { DynamicModule, Module } from '@nestjs/common';
import { ConsentGrpcController } from './consent/consent.grpc';
import { ConsentService } from './consent/consent.service';
import { DeletionService } from './deletion/deletion.service';
import { SubjectExportService } from './export/subject-export.service';

@Module({})
export class ConsentModule {
  /** The module around an already-built domain service (built in main.ts, where its collaborators are). */
  static register(service: ConsentService, deletions: DeletionService, exports: SubjectExportService): DynamicModule {
    return {
      module: ConsentModule,
      controllers: [ConsentGrpcController],
      providers: [
        { provide: ConsentService, useValue: service },
        { provide: DeletionService, useValue: deletions },
        { provide: SubjectExportService, useValue: exports },
      ],
    };
  }
}
