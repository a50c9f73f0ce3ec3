import { CacheStore } from '@recsys/service-kit';
import { KeySpace, sessionStateKey } from '@recsys/tenant-keys';

export interface SessionEvent {
  itemId: string;
  eventType: string;
  timestampMs: number;
}

/** At most this many recent events are kept per anonymous session. */
const MAX_SESSION_EVENTS = 50;

/**
 * Short-lived state of anonymous sessions (seed §8: short TTL for session data): the visitor's recent events,
 * under the pseudonymous visitor id, in Redis (or the embedded in-process cache) with a TTL — 24 h by default —
 * and nowhere else. Nothing of it is ever written to PostgreSQL.
 */
export class SessionStore {
  constructor(
    private readonly cache: CacheStore,
    private readonly keySpace: KeySpace,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * Appends events to a visitor's session state, keeping the most recent ones. The TTL restarts with each write,
   * so every event is also dropped once it is older than the TTL: a visitor who comes back daily does not keep
   * weeks of behaviour in "24 h" session state.
   */
  async append(tenantId: string, visitorPid: string, events: SessionEvent[], now = Date.now()): Promise<void> {
    const key = sessionStateKey(this.keySpace, tenantId, visitorPid);
    const current = await this.read(tenantId, visitorPid, now);
    const merged = [...current, ...this.fresh(events, now)].sort((a, b) => a.timestampMs - b.timestampMs).slice(-MAX_SESSION_EVENTS);
    await this.cache.set(key, JSON.stringify(merged), this.ttlSeconds);
  }

  /** The visitor's events of the last TTL, oldest first. */
  async read(tenantId: string, visitorPid: string, now = Date.now()): Promise<SessionEvent[]> {
    const raw = await this.cache.get(sessionStateKey(this.keySpace, tenantId, visitorPid));
    return raw ? this.fresh(JSON.parse(raw) as SessionEvent[], now) : [];
  }

  /** Drops a subject's session state (user controls, deletion); resolves with the entries dropped. */
  async erase(tenantId: string, pid: string): Promise<number> {
    const key = sessionStateKey(this.keySpace, tenantId, pid);
    const raw = await this.cache.get(key);
    if (raw === undefined) return 0;
    await this.cache.delete(key);
    return (JSON.parse(raw) as SessionEvent[]).length;
  }

  /** Session state entries held of a subject, expired ones included until the cache drops them. */
  async count(tenantId: string, pid: string): Promise<number> {
    const raw = await this.cache.get(sessionStateKey(this.keySpace, tenantId, pid));
    return raw === undefined ? 0 : (JSON.parse(raw) as SessionEvent[]).length;
  }

  private fresh(events: SessionEvent[], now: number): SessionEvent[] {
    const oldest = now - this.ttlSeconds * 1000;
    return events.filter((e) => e.timestampMs > oldest);
  }
}
