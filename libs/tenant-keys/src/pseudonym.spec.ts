import { Pseudonymizer } from './pseudonym';
import { TenantKeyError } from './tenant-id';

const SECRET = 'p'.repeat(32);

describe(Pseudonymizer.name, () => {
  const p = new Pseudonymizer(SECRET);

  it('is stable across calls and instances with the same secret', () => {
    expect(p.userPid('acme', 'alice')).toBe(p.userPid('acme', 'alice'));
    expect(new Pseudonymizer(SECRET).userPid('acme', 'alice')).toBe(p.userPid('acme', 'alice'));
    expect(new Pseudonymizer(SECRET).anonymousPid('acme', 'dev-1')).toBe(p.anonymousPid('acme', 'dev-1'));
  });

  it('has the documented shape', () => {
    expect(p.userPid('acme', 'alice')).toMatch(/^u_[A-Za-z0-9_-]{22}$/);
    expect(p.anonymousPid('acme', 'alice')).toMatch(/^a_[A-Za-z0-9_-]{22}$/);
  });

  it('differs per tenant, so tenants cannot link a subject', () => {
    expect(p.userPid('acme', 'alice')).not.toBe(p.userPid('globex', 'alice'));
    expect(p.anonymousPid('acme', 'dev-1').slice(2)).not.toBe(p.anonymousPid('globex', 'dev-1').slice(2));
  });

  it('differs for a user id and an anonymous id with the same text', () => {
    expect(p.userPid('acme', 'same').slice(2)).not.toBe(p.anonymousPid('acme', 'same').slice(2));
  });

  it('differs per subject and per secret', () => {
    expect(p.userPid('acme', 'alice')).not.toBe(p.userPid('acme', 'bob'));
    expect(new Pseudonymizer('q'.repeat(32)).userPid('acme', 'alice')).not.toBe(p.userPid('acme', 'alice'));
  });

  it('never contains the raw id', () => {
    for (const raw of ['alice@example.com', 'user-1234567890', 'ABCDEFGHIJ', 'u_abc']) {
      expect(p.userPid('acme', raw)).not.toContain(raw);
      expect(p.anonymousPid('acme', raw)).not.toContain(raw);
    }
  });

  it('refuses a secret shorter than 32 characters', () => {
    expect(() => new Pseudonymizer('p'.repeat(31))).toThrow(TenantKeyError);
    expect(() => new Pseudonymizer('')).toThrow(/at least 32/);
  });

  it('refuses empty ids', () => {
    expect(() => p.userPid('acme', '')).toThrow(new TenantKeyError('user id is required to pseudonymize'));
    expect(() => p.anonymousPid('acme', '')).toThrow(new TenantKeyError('anonymous id is required to pseudonymize'));
  });

  it.each(['', 'Acme', 'a:b'])('refuses the tenant %p', (tenant) => {
    expect(() => p.userPid(tenant, 'alice')).toThrow(TenantKeyError);
    expect(() => p.anonymousPid(tenant, 'dev-1')).toThrow(TenantKeyError);
  });
});
