import type { Logger } from 'pino';
import { AuditServiceClient, FeatureServiceClient } from '@recsys/proto';
import { AuditSink, InvalidationBus, ServiceMetrics, UnaryClient } from '@recsys/service-kit';
import { DELETION_STEPS, DeletionRepository, DeletionStepName } from './deletion.repository';

export interface DeletionSagaDeps {
  repository: DeletionRepository;
  features: Pick<UnaryClient<FeatureServiceClient>, 'purgeSubjectProfile' | 'countSubjectData'>;
  decisions: Pick<UnaryClient<AuditServiceClient>, 'purgeSubjectDecisions' | 'countSubjectDecisions'>;
  bus: InvalidationBus;
  audit: AuditSink;
  /** Drops this replica's cached consent state of the subject. */
  forget: (tenantId: string, subjectPid: string) => Promise<void>;
  metrics: ServiceMetrics;
  logger: Logger;
  options: { intervalMs: number; timeoutMs: number };
}

/** The stores feature-gateway purges in one call (PurgeSubjectProfile, reason DELETION). */
const FEATURE_GATEWAY_STORES = [
  'feature-gateway.events',
  'feature-gateway.profile_cache',
  'feature-gateway.session_state',
  'feature-gateway.training_datasets',
  'feature-gateway.experiment_exposures',
] as const satisfies readonly DeletionStepName[];

/** What a step removed, per store (one call can empty several stores of one service). */
type Removed = Partial<Record<DeletionStepName, number>>;

/**
 * The deletion saga (seed §19): a durable request drives one step per store, in order, each through the owning
 * service (feature-gateway's purge for its events, cached profile, session state, stored training datasets and
 * experiment exposures; audit-service's purge for sampled decision records and debug traces), and a last step that asks every store to count what is
 * left of the subject; only with nothing left is the request COMPLETED, and a store with leftovers (an event
 * batch in flight during the purge) has its step run again. Steps are idempotent and a step done is not done
 * again, so a crash anywhere (kill -9 of any service) only delays the saga: every replica sweeps open requests
 * at start and every interval, one runner per request at a time (advisory lock). Every step is audited with the
 * pseudonymous subject only.
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
      const finished = new Set(record.steps.filter((s) => s.state === 'DONE' || s.state === 'VERIFIED').map((s) => s.store));
      for (const step of record.steps) {
        if (finished.has(step.store)) continue;
        try {
          if (step.store === 'verification') {
            const left = await this.leftovers(tenantId, record.subjectPid, record.visitorPids);
            if (Object.keys(left).length > 0) {
              // Run the steps of the stores that still hold something again on the next pass.
              const reopen = Object.keys(left).flatMap((store) => (isFeatureGatewayStore(store) ? FEATURE_GATEWAY_STORES : [store]));
              for (const store of new Set(reopen))
                await this.deps.repository.setStep(tenantId, deletionId, store as DeletionStepName, 'PENDING');
              throw new Error(
                `records left: ${Object.entries(left)
                  .map(([store, n]) => `${store} ${n}`)
                  .join(', ')}`,
              );
            }
            for (const store of DELETION_STEPS) await this.deps.repository.setStep(tenantId, deletionId, store, 'VERIFIED');
            await this.deps.repository.setState(tenantId, deletionId, 'COMPLETED');
            this.completed.inc();
            this.audit(tenantId, record.subjectPid, 'deletion.completed', deletionId, {});
            done = true;
            return;
          }
          const removed = await this.step(step.store, tenantId, record.subjectPid, record.visitorPids);
          for (const [store, n] of Object.entries(removed) as [DeletionStepName, number][]) {
            if (!record.steps.some((s) => s.store === store)) continue;
            await this.deps.repository.setStep(tenantId, deletionId, store, 'DONE', n);
            finished.add(store);
            this.audit(tenantId, record.subjectPid, 'deletion.step', deletionId, { store, recordsRemoved: n });
          }
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          this.failures.inc({ store: step.store });
          if (step.store !== 'verification') await this.deps.repository.setStep(tenantId, deletionId, step.store, 'FAILED');
          await this.deps.repository.recordFailure(tenantId, deletionId, `${step.store}: ${message}`);
          this.deps.logger.warn({ deletionId, store: step.store, err: message }, 'deletion step failed; retried later');
          return;
        }
      }
    });
    return done;
  }

  private async step(
    store: Exclude<DeletionStepName, 'verification'>,
    tenantId: string,
    subjectPid: string,
    visitorPids: string[],
  ): Promise<Removed> {
    const call = { timeoutMs: this.deps.options.timeoutMs };
    switch (store) {
      case 'consent-service.consent_records': {
        const removed = await this.deps.repository.purgeConsentRecords(tenantId, subjectPid);
        await this.deps.forget(tenantId, subjectPid);
        return { [store]: removed };
      }
      case 'feature-gateway.events':
      case 'feature-gateway.profile_cache':
      case 'feature-gateway.session_state':
      case 'feature-gateway.training_datasets':
      case 'feature-gateway.experiment_exposures': {
        // The subject, and the anonymous visitors of their devices (everything feature-gateway holds of them).
        const removed: Removed = {};
        for (const pid of [subjectPid, ...visitorPids]) {
          const r = await this.deps.features.purgeSubjectProfile({ tenantId, subjectPid: pid, reason: 'DELETION' }, call);
          add(removed, 'feature-gateway.events', r.eventsRemoved);
          add(removed, 'feature-gateway.profile_cache', r.profileCacheEntriesRemoved);
          add(removed, 'feature-gateway.session_state', r.sessionEntriesRemoved);
          add(removed, 'feature-gateway.training_datasets', r.datasetRowsRemoved);
          add(removed, 'feature-gateway.experiment_exposures', r.exposuresRemoved);
        }
        return removed;
      }
      case 'audit-service.decision_logs': {
        // The subject's and their devices' decision records and debug traces.
        let n = 0;
        for (const pid of [subjectPid, ...visitorPids])
          n += (await this.deps.decisions.purgeSubjectDecisions({ tenantId, subjectPid: pid }, call)).decisionRecords;
        return { [store]: n };
      }
      case 'candidate-orchestrator.recommendation_cache':
        // Every replica of every service drops the subject's cached answers and consent state.
        await this.deps.bus.publish({ tenantId, subjectPid, consentVersion: '', reason: 'deletion' });
        return { [store]: 0 };
      case 'training.exclusion_list':
        // Recorded with the request (consent.deleted_subject): every later dataset build excludes the subject.
        return { [store]: 0 };
    }
  }

  /** What every store still holds of the subject; empty when nothing. */
  private async leftovers(tenantId: string, subjectPid: string, visitorPids: string[]): Promise<Removed> {
    const call = { timeoutMs: this.deps.options.timeoutMs };
    const pids = [subjectPid, ...visitorPids];
    const [consent, decisions, features] = await Promise.all([
      this.deps.repository.countConsentRecords(tenantId, subjectPid),
      Promise.all(pids.map((pid) => this.deps.decisions.countSubjectDecisions({ tenantId, subjectPid: pid }, call))),
      Promise.all(pids.map((pid) => this.deps.features.countSubjectData({ tenantId, subjectPid: pid }, call))),
    ]);
    const counts: Removed = {
      'consent-service.consent_records': consent,
      'audit-service.decision_logs': decisions.reduce((sum, d) => sum + d.decisionRecords, 0),
    };
    for (const f of features) {
      add(counts, 'feature-gateway.events', f.events);
      add(counts, 'feature-gateway.profile_cache', f.profileCacheEntries);
      add(counts, 'feature-gateway.session_state', f.sessionEntries);
      add(counts, 'feature-gateway.training_datasets', f.datasetRows);
      add(counts, 'feature-gateway.experiment_exposures', f.exposures);
    }
    return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
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

function add(counts: Removed, store: DeletionStepName, n: number): void {
  counts[store] = (counts[store] ?? 0) + n;
}

function isFeatureGatewayStore(store: string): boolean {
  return (FEATURE_GATEWAY_STORES as readonly string[]).includes(store);
}
