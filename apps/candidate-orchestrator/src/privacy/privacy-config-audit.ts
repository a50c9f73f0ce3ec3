import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from '@recsys/feature-registry';
import { AuditSink } from '@recsys/service-kit';
import { PLATFORM_TENANT } from '@recsys/tenant-keys';

export { PLATFORM_TENANT };

/** SHA-256 over the registry files (names and contents, in name order): which registry version is in service. */
export function registryDigest(dir: string): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.yaml'))
    .sort()) {
    hash
      .update(name)
      .update('\u0000')
      .update(readFileSync(join(dir, name)))
      .update('\u0000');
  }
  return hash.digest('hex');
}

/**
 * Puts privacy configuration on the audit trail (seed §35): the registry (with every recorded feature-use
 * approval) each time a process takes it into service, and every change of the kill switches — in the platform's
 * chain, and in the chain of each tenant a tenant-scoped switch names.
 */
export class PrivacyConfigAudit {
  constructor(
    private readonly audit: Pick<AuditSink, 'record'>,
    private readonly service: string,
  ) {}

  registryLoaded(registry: Registry, digest: string): void {
    const approvals = [...registry.features.values()]
      .filter((f) => f.approval)
      .map((f) => ({
        feature: f.name,
        approvedBy: f.approval!.approved_by,
        approvedAt: f.approval!.approved_at,
        ticket: f.approval!.ticket,
      }));
    this.audit.record({
      tenantId: PLATFORM_TENANT,
      actor: '',
      action: 'registry.loaded',
      target: `registry:${digest.slice(0, 16)}`,
      reason: `${this.service} start`,
      requestId: '',
      details: { digest, features: registry.features.size, sources: registry.sources.size, routes: registry.routes.size, approvals },
    });
  }

  /** `previous`: the switches before the change, so a tenant whose last switch went is told too. */
  killSwitchesChanged(entries: readonly string[], previous: readonly string[] = []): void {
    const details = { disabled: [...entries].sort() };
    this.audit.record({
      tenantId: PLATFORM_TENANT,
      actor: '',
      action: 'kill_switches.changed',
      target: 'kill-switches',
      reason: 'file reloaded',
      requestId: '',
      details,
    });
    const tenants = new Set([...entries, ...previous].filter((e) => e.includes('/')).map((e) => e.split('/')[0]));
    for (const tenantId of tenants) {
      this.audit.record({
        tenantId,
        actor: '',
        action: 'kill_switches.changed',
        target: 'kill-switches',
        reason: 'file reloaded',
        requestId: '',
        details: { disabled: details.disabled.filter((e) => !e.includes('/') || e.startsWith(`${tenantId}/`)) },
      });
    }
  }
}
