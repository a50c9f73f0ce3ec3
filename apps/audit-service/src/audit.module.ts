import { DynamicModule, Module } from '@nestjs/common';
import { AuditGrpcController } from './audit/audit.grpc';
import { AuditRepository } from './audit/audit.repository';
import { DebugTraceService } from './audit/debug-trace.service';

@Module({})
export class AuditModule {
  static register(repository: AuditRepository, traces: DebugTraceService): DynamicModule {
    return {
      module: AuditModule,
      controllers: [AuditGrpcController],
      providers: [
        { provide: AuditRepository, useValue: repository },
        { provide: DebugTraceService, useValue: traces },
      ],
    };
  }
}
