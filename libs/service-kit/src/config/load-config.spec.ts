import { IsBoolean, IsInt, IsNumber, Matches, Max, Min } from 'class-validator';
import { DataServiceConfig } from './base-config';
import { ConfigError, describeConfig, loadConfig, Sensitive } from './load-config';

class TestConfig {
  @IsInt()
  @Min(1)
  @Max(100)
  POOL_SIZE = 10;

  @IsNumber()
  @Min(0)
  @Max(1)
  SAMPLE_RATE = 0.5;

  @IsBoolean()
  VERBOSE = false;

  @Matches(/^[a-z-]+$/, { message: 'SERVICE_NAME must be lower-case letters and "-"' })
  SERVICE_NAME = 'svc';

  @Sensitive()
  @Matches(/^postgres:\/\/.+/, { message: 'DB_URL must be a postgres:// connection string' })
  DB_URL = 'postgres://localhost/db';

  @Sensitive()
  @Matches(/^.{32,}$/, { message: 'API_SECRET must be at least 32 characters' })
  API_SECRET = 's'.repeat(32);
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe(loadConfig.name, () => {
  it('applies the defaults of unset and empty variables', () => {
    const config = loadConfig(TestConfig, { POOL_SIZE: '', VERBOSE: undefined });
    expect(config).toBeInstanceOf(TestConfig);
    expect({ ...config }).toEqual({ ...new TestConfig() });
  });

  it('reads numbers and booleans as the type of their default', () => {
    const config = loadConfig(TestConfig, { POOL_SIZE: ' 42 ', SAMPLE_RATE: '0.25', VERBOSE: 'true', SERVICE_NAME: 'ranker' });
    expect(config.POOL_SIZE).toBe(42);
    expect(config.SAMPLE_RATE).toBe(0.25);
    expect(config.VERBOSE).toBe(true);
    expect(config.SERVICE_NAME).toBe('ranker');
  });

  it('ignores variables that are not fields of the config', () => {
    expect(loadConfig(TestConfig, { PATH: '/bin', UNRELATED: 'x' })).not.toHaveProperty('UNRELATED');
  });

  it('reports every bad value in one ConfigError', () => {
    const error = configError(() =>
      loadConfig(TestConfig, { POOL_SIZE: 'ten', SAMPLE_RATE: '2', VERBOSE: 'yes', SERVICE_NAME: 'Ranker!' }),
    );
    const byField = (field: string) => error.problems.filter((p) => p.includes(field));
    expect(byField('POOL_SIZE').length).toBeGreaterThan(0);
    expect(byField('SAMPLE_RATE').length).toBeGreaterThan(0);
    expect(byField('VERBOSE').length).toBeGreaterThan(0);
    expect(byField('SERVICE_NAME').length).toBeGreaterThan(0);
    expect(error.problems.filter((p) => p.includes('POOL_SIZE')).every((p) => p.endsWith('(got "ten")'))).toBe(true);
    for (const problem of error.problems) expect(error.message).toContain(problem);
  });

  it('keeps a number that is out of range a number, and says so', () => {
    const error = configError(() => loadConfig(TestConfig, { POOL_SIZE: '500' }));
    expect(error.problems).toEqual([expect.stringMatching(/POOL_SIZE must not be greater than 100 \(got 500\)/)]);
  });

  it('never includes the value of a @Sensitive() field in the error', () => {
    const error = configError(() =>
      loadConfig(TestConfig, { DB_URL: 'mysql://admin:hunter2@db.internal/prod', API_SECRET: 'tooshort-topsecret', POOL_SIZE: '0' }),
    );
    expect(error.problems).toEqual(
      expect.arrayContaining([
        'DB_URL must be a postgres:// connection string (value hidden)',
        'API_SECRET must be at least 32 characters (value hidden)',
      ]),
    );
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('topsecret');
    expect(error.message).toContain('(got 0)');
  });

  it('hides the sensitive values of the shared service configs too', () => {
    const error = configError(() =>
      loadConfig(DataServiceConfig, {
        PRIVACY_CONTEXT_KEYS: 'k1:short-secret-value',
        DATABASE_URL: 'mysql://admin:hunter2@db',
        REDIS_URL: 'http://:redispass@cache',
      }),
    );
    expect(error.problems).toHaveLength(3);
    for (const leaked of ['short-secret-value', 'hunter2', 'redispass']) expect(error.message).not.toContain(leaked);
  });
});

describe(describeConfig.name, () => {
  it('masks sensitive values and shows the others', () => {
    const config = loadConfig(TestConfig, { DB_URL: 'postgres://admin:hunter2@db/prod', POOL_SIZE: '7' });
    expect(describeConfig(config)).toEqual({
      POOL_SIZE: 7,
      SAMPLE_RATE: 0.5,
      VERBOSE: false,
      SERVICE_NAME: 'svc',
      DB_URL: '***',
      API_SECRET: '***',
    });
  });

  it('masks the secrets of a loaded service config, inherited fields included', () => {
    const config = loadConfig(DataServiceConfig, {
      PRIVACY_CONTEXT_KEYS: `k1:${'x'.repeat(32)}`,
      DATABASE_URL: 'postgres://admin:hunter2@db/prod',
      REDIS_URL: 'redis://:redispass@cache:6379',
    });
    const described = describeConfig(config);
    expect(described).toMatchObject({
      PRIVACY_CONTEXT_KEYS: '***',
      DATABASE_URL: '***',
      REDIS_URL: '***',
      KEY_NAMESPACE: 'recsys',
      DATABASE_POOL_SIZE: 10,
    });
    expect(JSON.stringify(described)).not.toMatch(/hunter2|redispass|xxxxxxxx/);
  });

  it('shows an empty sensitive value as empty, so "not set" stays visible', () => {
    const config = loadConfig(DataServiceConfig, { PRIVACY_CONTEXT_KEYS: `k1:${'x'.repeat(32)}`, DATABASE_URL: 'postgres://db/prod' });
    expect(describeConfig(config).REDIS_URL).toBe('');
  });
});
