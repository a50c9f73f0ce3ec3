import { DynamicModule, Module } from '@nestjs/common';
import { AuditGrpcController } from './audit/audit.grpc';
import { AuditRepository } from './audit/audit.repository';

@Module({})
export class AuditModule {
  static register(repository: AuditRepository): DynamicModule {
    return { module: AuditModule, controllers: [AuditGrpcController], providers: [{ provide: AuditRepository, useValue: repository }] };
  }
}
