import { InitFeatures1764000000000 } from './1764000000000-init-features';
import { Models1764600000000 } from './1764600000000-models';

export const FEATURE_MIGRATIONS = [InitFeatures1764000000000, Models1764600000000];
