import { auditOutboxMigration } from '@recsys/service-kit';
import { InitFeatures1764000000000 } from './1764000000000-init-features';
import { Models1764600000000 } from './1764600000000-models';
import { ErasedSubjects1764800000000 } from './1764800000000-erased-subjects';
import { TrainingDatasets1764900000000 } from './1764900000000-training-datasets';
import { Exposures1765100000000 } from './1765100000000-exposures';

export const FEATURE_MIGRATIONS = [
  InitFeatures1764000000000,
  Models1764600000000,
  ErasedSubjects1764800000000,
  TrainingDatasets1764900000000,
  auditOutboxMigration('features', 1765000000000),
  Exposures1765100000000,
];
