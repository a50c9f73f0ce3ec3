import { DeletionStatus } from '@recsys/proto';
import { Pseudonymizer } from '@recsys/tenant-keys';
import { AppError, AuditSink } from '@recsys/service-kit';
import { DeletionCommand } from './deletion.commands';
import { DeletionRepository } from './deletion.repository';
import { DeletionSaga } from './deletion.saga';

/** RequestDeletion and GetDeletionStatus: the durable request, a first run of its saga, and its status. */
export class DeletionService {
  constructor(
    private readonly repository: DeletionRepository,
    private readonly saga: Pick<DeletionSaga, 'run'>,
    private readonly pseudonymizer: Pseudonymizer,
    private readonly audit: AuditSink,
  ) {}

  async request(cmd: DeletionCommand): Promise<DeletionStatus> {
    const subjectPid = this.pseudonymizer.userPid(cmd.tenantId, cmd.userId);
    const visitorPids = cmd.anonymousIds.map((id) => this.pseudonymizer.anonymousPid(cmd.tenantId, id));
    const { deletionId, created } = await this.repository.create(cmd.tenantId, subjectPid, cmd.idempotencyKey, visitorPids);
    if (created) {
      this.audit.record({
        tenantId: cmd.tenantId,
        actor: '',
        action: 'deletion.requested',
        target: subjectPid,
        reason: 'RequestDeletion',
        requestId: deletionId,
        details: { idempotencyKey: Boolean(cmd.idempotencyKey), anonymousVisitors: visitorPids.length },
      });
    }
    // Run it now as far as it goes; whatever is left (a store down, a crash) the sweep finishes.
    await this.saga.run(cmd.tenantId, deletionId).catch(() => false);
    return this.status(cmd.tenantId, deletionId);
  }

  async status(tenantId: string, deletionId: string): Promise<DeletionStatus> {
    const record = await this.repository.get(tenantId, deletionId);
    if (!record) throw new AppError('NOT_FOUND', 'no deletion with this id in this tenant');
    return {
      deletionId,
      state: record.state,
      steps: record.steps.map((s) => ({ store: s.store, state: s.state, recordsRemoved: s.recordsRemoved })),
    };
  }
}
