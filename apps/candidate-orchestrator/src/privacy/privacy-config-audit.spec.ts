import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { defaultRegistryDir, loadRegistry } from '@recsys/feature-registry';
import { AuditInput, ServiceMetrics } from '@recsys/service-kit';
import { KillSwitches, parseKillSwitches } from '../candidates/kill-switches';
import { PLATFORM_TENANT, PrivacyConfigAudit, registryDigest } from './privacy-config-audit';

describe(PrivacyConfigAudit.name, () => {
  const recorded: AuditInput[] = [];
  const audit = new PrivacyConfigAudit({ record: (r) => void recorded.push(r) }, 'candidate-orchestrator');
  beforeEach(() => recorded.splice(0));

  it('records the registry in service with its digest and every recorded approval', () => {
    const registry = loadRegistry();
    const digest = registryDigest(defaultRegistryDir());
    audit.registryLoaded(registry, digest);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ tenantId: PLATFORM_TENANT, action: 'registry.loaded', target: `registry:${digest.slice(0, 16)}` });
    expect(recorded[0].details!.approvals).toEqual(
      expect.arrayContaining([expect.objectContaining({ feature: 'user_embedding', ticket: 'PRIV-102' })]),
    );
  });

  it('gives a different digest to a different registry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-'));
    try {
      writeFileSync(join(dir, 'features.yaml'), 'features: []\n');
      const a = registryDigest(dir);
      writeFileSync(join(dir, 'features.yaml'), 'features: [] # changed\n');
      expect(registryDigest(dir)).not.toBe(a);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records a kill-switch change in the platform chain and in each named tenant’s chain', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kill-'));
    const file = join(dir, 'kill-switches.yaml');
    try {
      writeFileSync(file, 'disabled: []\n');
      const known = new Set(['user_cf', 'item_to_item']);
      const switches = new KillSwitches(parseKillSwitches('', known), file, 50, known, new ServiceMetrics('t'), pino({ level: 'silent' }));
      switches.onChange = (entries) => audit.killSwitchesChanged(entries);
      writeFileSync(file, 'disabled: [user_cf, acme/item_to_item]\n');
      switches.reload();
      switches.reload(); // unchanged: nothing more recorded
      expect(recorded.map((r) => [r.tenantId, r.action, r.details])).toEqual([
        [PLATFORM_TENANT, 'kill_switches.changed', { disabled: ['acme/item_to_item', 'user_cf'] }],
        ['acme', 'kill_switches.changed', { disabled: ['acme/item_to_item', 'user_cf'] }],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
