import type { Logger } from 'pino';
import { FeatureServiceClient } from '@recsys/proto';
import { AuditSink, InvalidationBus, ServiceMetrics, UnaryClient } from '@recsys/service-kit';
import { DELETION_STEPS, DeletionRepository, DeletionStepName } from './deletion.repository';

export interface DeletionSagaDeps {
  repository: DeletionRepository;
  features: Pick<UnaryClient<FeatureServiceClient>, 'purgeSubjectProfile' | 'countSubjectData'>;
  bus: InvalidationBus;
  audit: AuditSink;
  /** Drops this replica's cached consent state of the subject. */
  forget: (tenantId: string, subjectPid: string) => Promise<void>;
  metrics: ServiceMetrics;
  logger: Logger;
  options: { intervalMs: number; timeoutMs: number };
}

/**
 * The deletion saga (seed §19): a durable request drives one step per store, in order, each through the owning
 * service (feature-gateway's purge for the profile store), and a last step that verifies every store holds
 * nothing of the subject any more; only then is the request COMPLETED. Steps are idempotent and a step done
 * is not done again, so a crash anywhere (kill -9 of any service) only delays the saga: every replica sweeps
 * open requests at start and every interval, one runner per request at a time (advisory lock). Every step is
 * audited with the pseudonymous subject only.
 */
export class DeletionSaga {
  private timer?: NodeJS.Timeout;
  private readonly failures;
  private readonly completed;

  constructor(private readonly deps: DeletionSagaDeps) {
    this.failures = deps.metrics.counter('deletion_step_failures_total', 'Deletion saga steps that failed (retried).', ['store']);
    this.completed = deps.metrics.counter('deletions_completed_total', 'Deletion requests completed and verified.');
  }

  /** Runs (or resumes) one deletion as far as it goes now; true when it is COMPLETED. */
  async run(tenantId: string, deletionId: string): Promise<boolean> {
    let done = false;
    await this.deps.repository.exclusively(tenantId, deletionId, async () => {
      const record = await this.deps.repository.get(tenantId, deletionId);
      if (!record || record.state === 'COMPLETED') {
        done = record?.state === 'COMPLETED';
        return;
      }
      if (record.state === 'PENDING') await this.deps.repository.setState(tenantId, deletionId, 'RUNNING');
      for (const step of record.steps) {
        if (step.state === 'DONE' || step.state === 'VERIFIED') continue;
        try {
          const removed = await this.step(step.store, tenantId, record.subjectPid);
          if (step.store === 'verification') {
            for (const store of DELETION_STEPS) await this.deps.repository.setStep(tenantId, deletionId, store, 'VERIFIED');
            await this.deps.repository.setState(tenantId, deletionId, 'COMPLETED');
            this.completed.inc();
            this.audit(tenantId, record.subjectPid, 'deletion.completed', deletionId, {});
            done = true;
          } else {
            await this.deps.repository.setStep(tenantId, deletionId, step.store, 'DONE', removed);
            this.audit(tenantId, record.subjectPid, 'deletion.step', deletionId, { store: step.store, recordsRemoved: removed });
          }
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          this.failures.inc({ store: step.store });
          await this.deps.repository.setStep(tenantId, deletionId, step.store, 'FAILED');
          await this.deps.repository.recordFailure(tenantId, deletionId, `${step.store}: ${message}`);
          this.deps.logger.warn({ deletionId, store: step.store, err: message }, 'deletion step failed; retried later');
          return;
        }
      }
    });
    return done;
  }

  private async step(store: DeletionStepName, tenantId: string, subjectPid: string): Promise<number> {
    const call = { timeoutMs: this.deps.options.timeoutMs };
    switch (store) {
      case 'consent-service.consent_records': {
        const removed = await this.deps.repository.purgeConsentRecords(tenantId, subjectPid);
        await this.deps.forget(tenantId, subjectPid);
        return removed;
      }
      case 'feature-gateway.events':
        return (await this.deps.features.purgeSubjectProfile({ tenantId, subjectPid, reason: 'DELETION' }, call)).eventsRemoved;
      case 'candidate-orchestrator.recommendation_cache':
        // Every replica of every service drops the subject's cached answers and consent state.
        await this.deps.bus.publish({ tenantId, subjectPid, consentVersion: '', reason: 'deletion' });
        return 0;
      case 'training.exclusion_list':
        // Recorded with the request (consent.deleted_subject): the next dataset build excludes the subject.
        return 0;
      case 'verification': {
        const consentLeft = await this.deps.repository.countConsentRecords(tenantId, subjectPid);
        const { events } = await this.deps.features.countSubjectData({ tenantId, subjectPid }, call);
        if (consentLeft > 0 || events > 0) throw new Error(`records left: consent ${consentLeft}, events ${events}`);
        return 0;
      }
    }
  }

  /** One pass over open requests (a crashed saga resumes here). */
  async sweep(limit = 50): Promise<number> {
    let completed = 0;
    for (const { tenantId, deletionId } of await this.deps.repository.open(limit)) if (await this.run(tenantId, deletionId)) completed += 1;
    return completed;
  }

  start(): void {
    const loop = () => {
      this.timer = setTimeout(() => {
        this.sweep()
          .catch((error: unknown) => this.deps.logger.error({ err: String(error) }, 'deletion sweep failed'))
          .finally(loop);
      }, this.deps.options.intervalMs);
      this.timer.unref();
    };
    void this.sweep().catch((error: unknown) => this.deps.logger.error({ err: String(error) }, 'deletion sweep failed'));
    loop();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private audit(tenantId: string, subjectPid: string, action: string, deletionId: string, details: Record<string, unknown>): void {
    this.deps.audit.record({ tenantId, actor: '', action, target: subjectPid, reason: 'RequestDeletion', requestId: deletionId, details });
  }
}
