import { join } from 'node:path';
import { loadTrainingScopes, parseTrainingScopes, TrainingScopes } from './training-scopes';

const FILE = 'config/training-scopes.yaml';

describe(TrainingScopes.name, () => {
  it('loads the committed file: the demo tenants and the default', () => {
    const scopes = loadTrainingScopes(join(__dirname, '..', '..', '..', '..', 'config'));
    expect(scopes.scopeOf('demo-media')).toBe('no_cross_tenant');
    expect(scopes.scopeOf('demo-retail')).toBe('tenant_specific');
    expect(scopes.scopeOf('someone-else')).toBe(scopes.defaultScope);
  });

  it('gives every tenant not listed the default scope', () => {
    const scopes = parseTrainingScopes('default: {scope: tenant_calibrated}\ntenants:\n  acme: {scope: global_shared}\n', FILE);
    expect(scopes.scopeOf('acme')).toBe('global_shared');
    expect(scopes.scopeOf('globex')).toBe('tenant_calibrated');
  });

  it('reports every problem as file:line', () => {
    const text = [
      'default:',
      '  scope: everyone',
      'tenants:',
      '  acme:',
      '    scop: global_shared',
      '  Bad Tenant:',
      '    scope: tenant_specific',
      'extra: 1',
    ].join('\n');
    let message = '';
    try {
      parseTrainingScopes(text, FILE);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n')).toEqual([
      `${FILE}:8: unknown key "extra" (expected default, tenants)`,
      `${FILE}:1: default.scope must be one of global_shared, tenant_calibrated, tenant_specific, no_cross_tenant (got "everyone")`,
      `${FILE}:4: tenants.acme: unknown key "scop" (expected scope, note)`,
      `${FILE}:4: tenants.acme.scope must be one of global_shared, tenant_calibrated, tenant_specific, no_cross_tenant (got null)`,
      `${FILE}:6: tenants: "Bad Tenant" is not a valid tenant id`,
    ]);
  });

  it('refuses a file without a default, invalid YAML, or no file at all', () => {
    expect(() => parseTrainingScopes('tenants: {}\n', FILE)).toThrow(`${FILE}:1: missing "default"`);
    expect(() => parseTrainingScopes('default: [\n', FILE)).toThrow(new RegExp(`^${FILE}:\\d+: invalid YAML`));
    expect(() => loadTrainingScopes('/nonexistent')).toThrow(/training-scopes.yaml: file not found/);
  });
});
