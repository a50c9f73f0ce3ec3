import { ConfigError, loadConfig } from '@recsys/service-kit';
import { FeatureConfig } from '../config/feature.config';
import { TrainingJobConfig } from './training.config';

describe(TrainingJobConfig.name, () => {
  it('starts with a database and nothing secret besides it (least privilege)', () => {
    const config = loadConfig(TrainingJobConfig, { DATABASE_URL: 'postgres://db/features', AGGREGATION_MIN_USERS: '5' });
    expect(config.AGGREGATION_MIN_USERS).toBe(5);
    expect(Object.keys(config)).not.toEqual(expect.arrayContaining(['PRIVACY_CONTEXT_KEYS']));
    expect(Object.keys(config)).not.toContain('PSEUDONYM_SECRET');
  });

  it('while feature-gateway itself refuses to start without its secrets', () => {
    expect(() => loadConfig(FeatureConfig, { DATABASE_URL: 'postgres://db/features' })).toThrow(ConfigError);
  });

  it('refuses a bad value with the variable named', () => {
    expect(() => loadConfig(TrainingJobConfig, { DATABASE_URL: 'mysql://db' })).toThrow(/DATABASE_URL must be a postgres/);
  });
});
