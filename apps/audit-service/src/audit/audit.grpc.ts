import { Controller, Inject } from '@nestjs/common';
import {
  AppendRecordsRequest,
  AppendRecordsResult,
  AuditServiceController,
  AuditServiceControllerMethods,
  QueryRecordsRequest,
  QueryRecordsResult,
} from '@recsys/proto';
import { appendCommand, queryCommand } from './audit.commands';
import { AuditRepository } from './audit.repository';

@Controller()
@AuditServiceControllerMethods()
export class AuditGrpcController implements AuditServiceController {
  constructor(@Inject(AuditRepository) private readonly repository: AuditRepository) {}

  async appendRecords(request: AppendRecordsRequest): Promise<AppendRecordsResult> {
    return { appended: await this.repository.append(appendCommand(request)) };
  }

  async queryRecords(request: QueryRecordsRequest): Promise<QueryRecordsResult> {
    const q = queryCommand(request);
    return { records: await this.repository.query(q.tenantId, q) };
  }
}
