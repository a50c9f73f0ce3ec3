import pino from 'pino';
import { loadRegistry } from '@recsys/feature-registry';
import { CheckTrainingConsentRequest, CheckTrainingConsentResult } from '@recsys/proto';
import { CatalogRepository } from '../catalog/catalog.repository';
import { DatasetBuilder } from './dataset-builder';
import { DatasetRepository, StoredDataset, StoredDatasetManifest, StoredRow } from './dataset.repository';
import { ModelRepository } from './model.repository';
import { ModelTrainer, NotEnoughTrainingDataError } from './model-trainer';
import { ScopePermissionRepository } from './scope-permission.repository';
import { TrainingDatasetError } from './training.errors';
import { TrainingScopes } from './training-scopes';

const pid = (n: number) => `u_${String(n).padStart(22, '0')}`;

/** An in-memory stand-in of the dataset store (the real one is covered by dataset.int.ts). */
function memoryDatasets() {
  const stored = new Map<string, { manifest: StoredDatasetManifest; rows: StoredRow[] }>();
  const toStored = (id: string): StoredDataset | undefined => {
    const d = stored.get(id);
    return (
      d && {
        tenantId: d.manifest.tenant,
        datasetId: id,
        name: d.manifest.name,
        createdAt: new Date(),
        state: 'ready',
        manifest: d.manifest,
        rowsRemovedByDeletion: 0,
      }
    );
  };
  return {
    stored,
    repo: {
      save: async (_t: string, d: { datasetId: string; manifest: StoredDatasetManifest; rows: readonly StoredRow[] }) => {
        stored.set(d.datasetId, { manifest: d.manifest, rows: [...d.rows] });
        return { dropped: [], purged: 0 };
      },
      get: async (_t: string, id: string) => toStored(id),
      rows: async (_t: string, id: string) => stored.get(id)?.rows ?? [],
    } as unknown as DatasetRepository,
  };
}

/** A trainer over stub stores and a stub consent-service (the collaborators); `answer` is consent-service's reply. */
function trainer(subjects: number, answer: (req: CheckTrainingConsentRequest) => CheckTrainingConsentResult) {
  const asked: CheckTrainingConsentRequest[] = [];
  const rows = Array.from({ length: subjects }, (_, u) => ({ tenant: 'acme', user: pid(u), item: `i${u % 7}`, weight: 1, timestampMs: u }));
  const datasets = memoryDatasets();
  const publish = jest.fn();
  const logger = pino({ level: 'silent' });
  const builder = new DatasetBuilder({
    data: { rows: async () => rows },
    datasets: datasets.repo,
    permissions: { permittedTenants: async () => [] } as unknown as ScopePermissionRepository,
    scopes: new TrainingScopes('tenant_specific', new Map()),
    consent: {
      checkTrainingConsent: async (req: CheckTrainingConsentRequest) => {
        asked.push(req);
        return answer(req);
      },
    },
    logger,
    options: { windowDays: 90, keep: 3 },
  });
  const trainerUnderTest = new ModelTrainer({
    builder,
    datasets: datasets.repo,
    catalog: { items: async () => [], editorial: async () => new Map() } as unknown as CatalogRepository,
    models: { publish } as unknown as ModelRepository,
    registry: loadRegistry(),
    surfaces: new Map(),
    logger,
    options: { minUsers: 3 },
  });
  return { trainer: trainerUnderTest, asked, datasets, publish };
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
    const { trainer: t, publish } = trainer(30, (req) => ({
      trainablePids: req.subjectPids.slice(0, 3),
      deletedPids: [],
      deletionSnapshot: 's',
    }));
    await expect(t.train('acme')).rejects.toThrow(NotEnoughTrainingDataError);
    expect(publish).not.toHaveBeenCalled();
  });

  it('a dry run stores nothing; a training run stores the dataset first and trains from the stored rows only', async () => {
    const {
      trainer: t,
      datasets,
      publish,
    } = trainer(30, (req) => ({ trainablePids: req.subjectPids, deletedPids: [], deletionSnapshot: 's' }));
    await t.dataset('acme');
    expect(datasets.stored.size).toBe(0);
    const summary = await t.train('acme');
    expect(datasets.stored.size).toBe(1);
    const [[id, stored]] = [...datasets.stored];
    expect(summary.dataset_id).toBe(id);
    expect(stored.manifest.dataset_id).toBe(id);
    // The published version's manifest and every model card name the dataset it was trained from.
    const published = publish.mock.calls[0][1] as {
      manifest: { dataset_id: string };
      cards: Record<string, { privacy: { dataset_id: string } }>;
    };
    expect(published.manifest.dataset_id).toBe(id);
    expect(Object.values(published.cards).map((c) => c.privacy.dataset_id)).toEqual([id, id]);
    stored.rows.splice(5); // what a deletion since the build would leave
    await expect(t.train('acme', { datasetId: id })).rejects.toThrow(/dataset ds_\w+ has 5 trainable subjects/);
  });

  it('refuses to train a served model from a dataset built with a privacy filter switched off', async () => {
    const { trainer: t, datasets } = trainer(30, (req) => ({ trainablePids: req.subjectPids, deletedPids: [], deletionSnapshot: 's' }));
    await t.train('acme');
    const [[id, stored]] = [...datasets.stored];
    stored.manifest.filter_overrides = [{ filter: 'exclude_no_training_consent', reason: 'audit' }];
    await expect(t.train('acme', { datasetId: id })).rejects.toThrow(TrainingDatasetError);
    await expect(t.train('acme', { datasetId: 'ds_20260101T000000_00000000' })).rejects.toThrow(/no stored dataset/);
  });
});
