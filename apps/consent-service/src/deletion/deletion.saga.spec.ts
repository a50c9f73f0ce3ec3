import pino from 'pino';
import { AuditSink, InvalidationBus, ServiceMetrics } from '@recsys/service-kit';
import { DELETION_STEPS, DeletionRecord, DeletionRepository, DeletionStepName } from './deletion.repository';
import { DeletionSaga, DeletionSagaDeps } from './deletion.saga';

const TENANT = 't1';
const SUBJECT = 'u_AAAAAAAAAAAAAAAAAAAAAA';
const VISITOR = 'a_BBBBBBBBBBBBBBBBBBBBBB';

/** The saga's bookkeeping in memory: this spec is about the saga's decisions, the repository has its e2e tests. */
function memoryRepository(): Pick<DeletionRepository, keyof DeletionRepository> & { record: DeletionRecord } {
  const record: DeletionRecord = {
    tenantId: TENANT,
    deletionId: 'd1',
    subjectPid: SUBJECT,
    visitorPids: [VISITOR],
    state: 'PENDING',
    steps: DELETION_STEPS.map((store) => ({ store, state: 'PENDING', recordsRemoved: 0 })),
  };
  const copy = (): DeletionRecord => ({ ...record, steps: record.steps.map((s) => ({ ...s })) });
  return {
    record,
    create: () => Promise.resolve({ deletionId: 'd1', created: true }),
    get: () => Promise.resolve(copy()),
    open: () => Promise.resolve(record.state === 'COMPLETED' ? [] : [{ tenantId: TENANT, deletionId: 'd1' }]),
    exclusively: async (_t, _d, work) => {
      await work();
      return true;
    },
    setState: (_t, _d, state) => {
      record.state = state;
      return Promise.resolve();
    },
    setStep: (_t, _d, store: DeletionStepName, state: string, removed?: number) => {
      const step = record.steps.find((s) => s.store === store)!;
      step.state = state;
      if (removed !== undefined) step.recordsRemoved = removed;
      return Promise.resolve();
    },
    recordFailure: () => Promise.resolve(),
    purgeConsentRecords: () => Promise.resolve(4),
    countConsentRecords: () => Promise.resolve(0),
    deleted: () => Promise.resolve({ deleted: new Set<string>(), snapshot: '' }),
  };
}

describe(DeletionSaga.name, () => {
  function saga(overrides: { leftoverEventsOnce?: number; decisionsDown?: boolean } = {}) {
    const repository = memoryRepository();
    const purged: string[] = [];
    let leftovers = overrides.leftoverEventsOnce ?? 0;
    const flags = { decisionsDown: overrides.decisionsDown ?? false };
    const deps: DeletionSagaDeps = {
      repository: repository as unknown as DeletionRepository,
      features: {
        purgeSubjectProfile: (req) => {
          purged.push(req.subjectPid);
          const user = req.subjectPid === SUBJECT;
          return Promise.resolve({
            eventsRemoved: user ? 10 : 0,
            profileCacheEntriesRemoved: user ? 1 : 0,
            sessionEntriesRemoved: user ? 0 : 3,
            datasetRowsRemoved: user ? 5 : 0,
            exposuresRemoved: user ? 6 : 0,
          });
        },
        countSubjectData: (req) => {
          const events = req.subjectPid === SUBJECT ? leftovers : 0;
          leftovers = 0;
          return Promise.resolve({ events, sessionEntries: 0, profileCacheEntries: 0, datasetRows: 0, exposures: 0 });
        },
      },
      decisions: {
        purgeSubjectDecisions: (req) =>
          flags.decisionsDown
            ? Promise.reject(new Error('UNAVAILABLE'))
            : Promise.resolve({ decisionRecords: req.subjectPid === SUBJECT ? 2 : 1 }),
        countSubjectDecisions: () => Promise.resolve({ decisionRecords: 0 }),
      },
      bus: { publish: () => Promise.resolve() } as unknown as InvalidationBus,
      audit: { record: () => undefined } as unknown as AuditSink,
      forget: () => Promise.resolve(),
      metrics: new ServiceMetrics('saga-spec'),
      logger: pino({ level: 'silent' }),
      options: { intervalMs: 1000, timeoutMs: 1000 },
    };
    return { saga: new DeletionSaga(deps), repository, purged, flags };
  }
  const removed = (r: DeletionRecord) => Object.fromEntries(r.steps.map((s) => [s.store, s.recordsRemoved]));

  it('purges the subject and their visitors in one feature-gateway step and reports each store apart', async () => {
    const { saga: s, repository, purged } = saga();
    expect(await s.run(TENANT, 'd1')).toBe(true);
    expect(purged).toEqual([SUBJECT, VISITOR]);
    expect(repository.record.state).toBe('COMPLETED');
    expect(repository.record.steps.every((step) => step.state === 'VERIFIED')).toBe(true);
    expect(removed(repository.record)).toMatchObject({
      'consent-service.consent_records': 4,
      'feature-gateway.events': 10,
      'feature-gateway.profile_cache': 1,
      'feature-gateway.session_state': 3,
      'feature-gateway.training_datasets': 5,
      'feature-gateway.experiment_exposures': 6,
      // The subject's 2 and their device's 1.
      'audit-service.decision_logs': 3,
    });
  });

  it('does not complete while a store still holds data: it reopens that store’s step and purges again', async () => {
    const { saga: s, repository, purged } = saga({ leftoverEventsOnce: 2 });
    expect(await s.run(TENANT, 'd1')).toBe(false);
    expect(repository.record.state).toBe('RUNNING');
    const states = Object.fromEntries(repository.record.steps.map((step) => [step.store, step.state]));
    expect(states).toMatchObject({
      'consent-service.consent_records': 'DONE',
      'feature-gateway.events': 'PENDING',
      'feature-gateway.session_state': 'PENDING',
      'audit-service.decision_logs': 'DONE',
    });
    expect(await s.run(TENANT, 'd1')).toBe(true);
    expect(purged).toEqual([SUBJECT, VISITOR, SUBJECT, VISITOR]);
    expect(repository.record.state).toBe('COMPLETED');
  });

  it('stops at a failing store, keeps what was done, and finishes on a later sweep', async () => {
    const down = saga({ decisionsDown: true });
    expect(await down.saga.run(TENANT, 'd1')).toBe(false);
    const step = (store: DeletionStepName) => down.repository.record.steps.find((x) => x.store === store)!.state;
    expect(step('feature-gateway.events')).toBe('DONE');
    expect(step('audit-service.decision_logs')).toBe('FAILED');
    expect(step('verification')).toBe('PENDING');
    down.flags.decisionsDown = false;
    expect(await down.saga.sweep()).toBe(1);
    expect(down.repository.record.state).toBe('COMPLETED');
    expect(down.purged).toEqual([SUBJECT, VISITOR]);
  });
});
