import { Controller, Inject } from '@nestjs/common';
import {
  AppendRecordsRequest,
  AppendRecordsResult,
  AuditServiceController,
  AuditServiceControllerMethods,
  QueryRecordsRequest,
  QueryRecordsResult,
  SubjectRecordsCount,
  SubjectRecordsRequest,
} from '@recsys/proto';
import { appendCommand, queryCommand, subjectCommand } from './audit.commands';
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

  async purgeSubjectDecisions(request: SubjectRecordsRequest): Promise<SubjectRecordsCount> {
    const q = subjectCommand(request);
    return { decisionRecords: await this.repository.purgeSubjectDecisions(q.tenantId, q.subjectPid) };
  }

  async countSubjectDecisions(request: SubjectRecordsRequest): Promise<SubjectRecordsCount> {
    const q = subjectCommand(request);
    return { decisionRecords: await this.repository.countSubjectDecisions(q.tenantId, q.subjectPid) };
  }
}
