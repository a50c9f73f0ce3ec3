import { readFileSync, statSync, unwatchFile, watchFile } from 'node:fs';
import { load } from 'js-yaml';
import type { Logger } from 'pino';
import { ServiceMetrics } from '@recsys/service-kit';

const ENTRY = /^[a-z0-9_-]+(\/[a-z_]+)?$/;

/** Parses a comma list or a YAML `disabled:` list of "source" / "tenant/source" entries; throws on a bad one. */
export function parseKillSwitches(entries: unknown): Set<string> {
  const list = typeof entries === 'string' ? entries.split(',') : entries;
  if (!Array.isArray(list)) throw new Error('disabled must be a list of "source" or "tenant/source" entries');
  const set = new Set<string>();
  for (const raw of list) {
    const entry = String(raw).trim();
    if (!entry) continue;
    if (!ENTRY.test(entry)) throw new Error(`kill switch entry ${JSON.stringify(entry)} is not "source" or "tenant/source"`);
    set.add(entry);
  }
  return set;
}

/**
 * Kill switches (seed §36, incident response): a source, or a source of one tenant, that must not run. Two
 * inputs: DISABLED_SOURCES, fixed at start, and the kill-switch file (config/kill-switches.yaml, a ConfigMap in
 * Kubernetes), re-read whenever it changes — so a source is switched off in every replica within the poll
 * interval, without a restart. A file that does not parse keeps the last good state (and is logged and counted):
 * an operator's typo during an incident must not switch a disabled source back on.
 */
export class KillSwitches {
  private fromFile = new Set<string>();
  private readonly errors;
  private readonly active;

  constructor(
    private readonly fixed: Set<string>,
    private readonly file: string,
    private readonly pollMs: number,
    metrics: ServiceMetrics,
    private readonly logger: Logger,
  ) {
    this.errors = metrics.counter('kill_switch_reload_errors_total', 'Kill-switch file reads that failed (the last good state stays).');
    this.active = metrics.gauge('kill_switches_active', 'Kill-switch entries in force (DISABLED_SOURCES and the kill-switch file).');
    this.reload();
  }

  disables(tenantId: string, source: string): boolean {
    return [this.fixed, this.fromFile].some((set) => set.has(source) || set.has(`${tenantId}/${source}`));
  }

  /** The switches in force, for cache keys: an answer computed before a switch is not served after it. */
  get fingerprint(): string {
    return [...new Set([...this.fixed, ...this.fromFile])].sort().join(',');
  }

  start(): void {
    if (this.file) watchFile(this.file, { interval: this.pollMs, persistent: false }, () => this.reload());
  }

  stop(): void {
    if (this.file) unwatchFile(this.file);
  }

  reload(): void {
    if (!this.file) return;
    try {
      let text = '';
      try {
        if (statSync(this.file).isFile()) text = readFileSync(this.file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      const doc = (text ? load(text) : {}) as { disabled?: unknown } | null;
      const next = parseKillSwitches(doc?.disabled ?? []);
      const changed = next.size !== this.fromFile.size || [...next].some((e) => !this.fromFile.has(e));
      this.fromFile = next;
      if (changed) this.logger.warn({ killSwitches: this.fingerprint }, 'kill switches changed');
    } catch (error) {
      this.errors.inc();
      this.logger.error({ file: this.file, err: error instanceof Error ? error.message : String(error) }, 'kill-switch file not applied');
    }
    this.active.set(new Set([...this.fixed, ...this.fromFile]).size);
  }
}
