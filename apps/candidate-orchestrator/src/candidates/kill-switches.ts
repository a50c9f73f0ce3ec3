import { readFileSync, statSync, unwatchFile, watchFile } from 'node:fs';
import { load } from 'js-yaml';
import type { Logger } from 'pino';
import { ServiceMetrics } from '@recsys/service-kit';

const ENTRY = /^[a-z0-9_-]+(\/[a-z_]+)?$/;

/**
 * Parses a comma list or a YAML `disabled:` list of "source" / "tenant/source" entries; throws on a bad one,
 * including a source that `known` (the registry's sources) does not have — a misspelt switch disables nothing.
 */
export function parseKillSwitches(entries: unknown, known?: ReadonlySet<string>): Set<string> {
  const list = typeof entries === 'string' ? entries.split(',') : entries;
  if (!Array.isArray(list)) throw new Error('disabled must be a list of "source" or "tenant/source" entries');
  const set = new Set<string>();
  for (const raw of list) {
    const entry = String(raw).trim();
    if (!entry) continue;
    if (!ENTRY.test(entry)) throw new Error(`kill switch entry ${JSON.stringify(entry)} is not "source" or "tenant/source"`);
    const source = entry.slice(entry.indexOf('/') + 1);
    if (known && !known.has(source)) throw new Error(`kill switch entry ${JSON.stringify(entry)} names no registry source`);
    set.add(entry);
  }
  return set;
}

/** The kill-switch file's content: a mapping whose `disabled` is a list. Anything else is an error, never "none". */
function parseKillSwitchFile(text: string, known: ReadonlySet<string>): Set<string> {
  const doc = load(text) as unknown;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !Array.isArray((doc as { disabled?: unknown }).disabled)) {
    throw new Error('the kill-switch file must be a mapping with a list "disabled" (write "disabled: []" for none)');
  }
  return parseKillSwitches((doc as { disabled: unknown[] }).disabled, known);
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
  /** Called with every active switch after the file changed them (the audit trail of privacy configuration). */
  onChange?: (entries: string[], previous: string[]) => void;
  private readonly errors;
  private readonly active;

  constructor(
    private readonly fixed: Set<string>,
    private readonly file: string,
    private readonly pollMs: number,
    /** Names of the registry's sources: an entry naming anything else is refused. */
    private readonly known: ReadonlySet<string>,
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
    if (!this.file) return;
    watchFile(this.file, { interval: this.pollMs, persistent: false }, () => this.reload());
    // The watcher's baseline is taken after this call: a change between the first read and now is read here.
    this.reload();
  }

  stop(): void {
    if (this.file) unwatchFile(this.file);
  }

  reload(): void {
    if (!this.file) return;
    try {
      let text: string | undefined;
      try {
        if (statSync(this.file).isFile()) text = readFileSync(this.file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      // No file at all means no file switches; a file that is there must say what it means.
      const next = text === undefined ? new Set<string>() : parseKillSwitchFile(text, this.known);
      const changed = next.size !== this.fromFile.size || [...next].some((e) => !this.fromFile.has(e));
      const previous = [...new Set([...this.fixed, ...this.fromFile])];
      this.fromFile = next;
      if (changed) {
        this.logger.warn({ killSwitches: this.fingerprint }, 'kill switches changed');
        this.onChange?.([...new Set([...this.fixed, ...this.fromFile])], previous);
      }
    } catch (error) {
      this.errors.inc();
      this.logger.error({ file: this.file, err: error instanceof Error ? error.message : String(error) }, 'kill-switch file not applied');
    }
    this.active.set(new Set([...this.fixed, ...this.fromFile]).size);
  }
}
