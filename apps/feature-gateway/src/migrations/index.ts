import { InitFeatures1764000000000 } from './1764000000000-init-features';

export const FEATURE_MIGRATIONS = [InitFeatures1764000000000];
