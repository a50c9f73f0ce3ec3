import { Controller, Inject } from '@nestjs/common';
import {
  AppendRecordsRequest,
  AppendRecordsResult,
  AuditServiceController,
  AuditServiceControllerMethods,
  ChainVerification,
  DebugTraceView,
  GetDebugTraceRequest,
  QueryRecordsRequest,
  QueryRecordsResult,
  RecordDebugTracesRequest,
  RecordDebugTracesResult,
  SubjectRecordsCount,
  SubjectRecordsRequest,
  VerifyChainRequest,
} from '@recsys/proto';
import { traceSubjectHash } from '@recsys/service-kit';
import { appendCommand, queryCommand, subjectCommand, tenantCommand } from './audit.commands';
import { AuditRepository } from './audit.repository';
import { DebugTraceService } from './debug-trace.service';

@Controller()
@AuditServiceControllerMethods()
export class AuditGrpcController implements AuditServiceController {
  constructor(
    @Inject(AuditRepository) private readonly repository: AuditRepository,
    @Inject(DebugTraceService) private readonly traces: DebugTraceService,
  ) {}

  async appendRecords(request: AppendRecordsRequest): Promise<AppendRecordsResult> {
    return { appended: await this.repository.append(appendCommand(request)) };
  }

  async queryRecords(request: QueryRecordsRequest): Promise<QueryRecordsResult> {
    const q = queryCommand(request);
    return { records: await this.repository.query(q.tenantId, q) };
  }

  async purgeSubjectDecisions(request: SubjectRecordsRequest): Promise<SubjectRecordsCount> {
    const q = subjectCommand(request);
    return {
      decisionRecords: await this.repository.purgeSubjectDecisions(q.tenantId, q.subjectPid, traceSubjectHash(q.tenantId, q.subjectPid)),
    };
  }

  async countSubjectDecisions(request: SubjectRecordsRequest): Promise<SubjectRecordsCount> {
    const q = subjectCommand(request);
    return {
      decisionRecords: await this.repository.countSubjectDecisions(q.tenantId, q.subjectPid, traceSubjectHash(q.tenantId, q.subjectPid)),
    };
  }

  async verifyChain(request: VerifyChainRequest): Promise<ChainVerification> {
    return this.repository.verifyChain(tenantCommand(request));
  }

  async recordDebugTraces(request: RecordDebugTracesRequest): Promise<RecordDebugTracesResult> {
    return { stored: await this.traces.record(request) };
  }

  getDebugTrace(request: GetDebugTraceRequest): Promise<DebugTraceView> {
    return this.traces.get(request);
  }
}
