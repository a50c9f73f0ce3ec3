import pino from 'pino';
import { loadRegistry } from '@recsys/feature-registry';
import { CheckTrainingConsentRequest, CheckTrainingConsentResult } from '@recsys/proto';
import { CatalogRepository } from '../catalog/catalog.repository';
import { ModelRepository } from './model.repository';
import { ModelTrainer, NotEnoughTrainingDataError } from './model-trainer';
import { TrainingDataRepository } from './training-data.repository';

const pid = (n: number) => `u_${String(n).padStart(22, '0')}`;

/** A trainer over stub stores and a stub consent-service (the collaborators); `answer` is consent-service's reply. */
function trainer(subjects: number, answer: (req: CheckTrainingConsentRequest) => CheckTrainingConsentResult) {
  const asked: CheckTrainingConsentRequest[] = [];
  const rows = Array.from({ length: subjects }, (_, u) => ({ tenant: 'acme', user: pid(u), item: `i${u % 7}`, weight: 1, timestampMs: u }));
  const trainerUnderTest = new ModelTrainer({
    data: { rows: async () => rows } as unknown as TrainingDataRepository,
    catalog: { items: async () => [], editorial: async () => new Map() } as unknown as CatalogRepository,
    models: { publish: jest.fn() } as unknown as ModelRepository,
    consent: {
      checkTrainingConsent: async (req: CheckTrainingConsentRequest) => {
        asked.push(req);
        return answer(req);
      },
    },
    registry: loadRegistry(),
    surfaces: new Map(),
    logger: pino({ level: 'silent' }),
    options: { minUsers: 3, windowDays: 90 },
  });
  return { trainer: trainerUnderTest, asked };
}

describe(ModelTrainer.name, () => {
  it('keeps only the subjects consent-service names as trainable: anyone it does not name is excluded', async () => {
    const { trainer: t } = trainer(10, (req) => ({
      trainablePids: req.subjectPids.filter((_, i) => i % 2 === 0),
      deletedPids: [],
      deletionSnapshot: 'snap-1',
    }));
    const dataset = await t.dataset('acme');
    expect(new Set(dataset.rows.map((r) => r.user))).toEqual(new Set([0, 2, 4, 6, 8].map(pid)));
    expect(dataset.manifest.excluded.no_training_consent_subjects).toBe(5);
    expect(dataset.manifest.deletion_snapshot).toBe('snap-1');
  });

  it('excludes subjects with a deletion request even when they are named trainable', async () => {
    const { trainer: t } = trainer(4, (req) => ({ trainablePids: req.subjectPids, deletedPids: [pid(1)], deletionSnapshot: 'snap-2' }));
    const dataset = await t.dataset('acme');
    expect(dataset.rows.map((r) => r.user)).not.toContain(pid(1));
    expect(dataset.manifest.excluded.deleted_subjects).toBe(1);
  });

  it('asks consent-service in batches of at most 5000 subjects', async () => {
    const { trainer: t, asked } = trainer(12_000, (req) => ({ trainablePids: req.subjectPids, deletedPids: [], deletionSnapshot: 's' }));
    expect((await t.dataset('acme')).manifest.subjects).toBe(12_000);
    expect(asked.map((r) => r.subjectPids.length)).toEqual([5000, 5000, 2000]);
  });

  it('publishes nothing for a tenant with too few trainable subjects', async () => {
    const { trainer: t } = trainer(30, (req) => ({ trainablePids: req.subjectPids.slice(0, 3), deletedPids: [], deletionSnapshot: 's' }));
    await expect(t.train('acme')).rejects.toThrow(NotEnoughTrainingDataError);
  });
});
