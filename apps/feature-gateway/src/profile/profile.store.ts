import { DataSource } from 'typeorm';
import { personalizationAllowed, PrivacyContext } from '@recsys/privacy-context';
import { CacheStore, ServiceMetrics } from '@recsys/service-kit';
import { featureCacheKey, KeySpace } from '@recsys/tenant-keys';

export interface ProfileEvent {
  itemId: string;
  eventType: string;
  timestampMs: number;
  category: string;
}

export interface ProfileCacheOptions {
  cache: CacheStore;
  keySpace: KeySpace;
  ttlSeconds: number;
}

export interface ProfileRetention {
  /** RAW_EVENT_RETENTION_DAYS: a read never returns an event older than this, swept yet or not. */
  rawEventDays: number;
  /** The clock (tests move it). */
  now?: () => number;
}

const DAY_MS = 86_400_000;

/** How many of a subject's latest events a profile read considers. */
const PROFILE_EVENTS = 200;
/** The generation counter outlives every cached profile by far, so a reset counter never meets an old entry. */
const GENERATION_TTL_SECONDS = 86_400;

/**
 * The profile store: a subject's own behaviour, in PostgreSQL, with a read-through cache (Redis, or in-process in
 * the embedded default). The only way to read it is `read(ctx)`, which refuses a context that does not allow
 * personalization — and counts the attempt in `profile_fetch_in_non_personalized_mode`, a metric that must stay 0
 * (seed §39) — before any tier is touched.
 *
 * A cached profile is stamped with the per-subject generation it was read at, which `invalidate()` raises after
 * new events or a purge committed: a read that started before the change can only fill an entry of the old
 * generation, which no read accepts again, so a cleared history is never served from the cache. The generation
 * and the entry are read together (one MGET: one round trip per profile read, not two in a row).
 *
 * With a retention period, a read leaves out every event older than it, from PostgreSQL and from a cached entry
 * alike: the retention sweep deletes such events only hourly, and a cached entry may have been filled before it
 * did, so serving does not wait for either (decision 55).
 */
export class ProfileStore {
  private readonly reads;
  private readonly violations;
  private readonly cacheLookups;
  private readonly deletedHits;

  constructor(
    private readonly dataSource: DataSource,
    metrics: ServiceMetrics,
    private readonly cache?: ProfileCacheOptions,
    private readonly retention?: ProfileRetention,
  ) {
    this.reads = metrics.counter('profile_store_reads_total', 'Reads of the profile store, by privacy mode of the request.', ['mode']);
    this.violations = metrics.counter(
      'profile_fetch_in_non_personalized_mode',
      'Profile reads attempted without a personalization context (refused). Must stay 0.',
    );
    this.cacheLookups = metrics.counter('profile_cache_lookups_total', 'Profile reads by cache outcome.', ['outcome']);
    this.deletedHits = metrics.counter(
      'deleted_user_profile_hit_count',
      'Profile reads that found behaviour of an erased subject dated before the erasure (dropped). Must stay 0.',
    );
  }

  async read(ctx: PrivacyContext): Promise<ProfileEvent[]> {
    if (!personalizationAllowed(ctx) || !ctx.subjectPid) {
      this.violations.inc();
      throw new Error('profile store read refused: the privacy context does not allow personalization');
    }
    this.reads.inc({ mode: ctx.mode });
    const since = this.retainedSince();
    if (!this.cache) return this.query(ctx.tenantId, ctx.subjectPid, since);
    const { generation, events: cached } = await this.cached(ctx.tenantId, ctx.subjectPid);
    if (cached !== undefined) {
      this.cacheLookups.inc({ outcome: 'hit' });
      return retainedSince(JSON.parse(cached) as ProfileEvent[], since);
    }
    this.cacheLookups.inc({ outcome: 'miss' });
    const events = await this.query(ctx.tenantId, ctx.subjectPid, since);
    await this.cache.cache.set(this.profileKey(ctx.tenantId, ctx.subjectPid), stamped(generation, events), this.cache.ttlSeconds);
    return events;
  }

  /** The oldest event time (ms) a read may return now; 0 without a retention period. */
  private retainedSince(): number {
    const retention = this.retention;
    return retention ? (retention.now ?? Date.now)() - retention.rawEventDays * DAY_MS : 0;
  }

  /** Makes every cached profile of these subjects unreachable; call after their events changed (committed). */
  async invalidate(tenantId: string, subjectPids: Iterable<string>): Promise<void> {
    const cache = this.cache;
    if (!cache) return;
    // One round trip per batch: ingestion invalidates hundreds of subjects at once.
    const keys = [...new Set(subjectPids)].map((pid) => this.generationKey(tenantId, pid));
    await cache.cache.incrementMany(keys, GENERATION_TTL_SECONDS);
  }

  /**
   * Drops the subject's reachable cached profile and makes any entry being filled unreachable (the deletion
   * saga); resolves with the entries dropped. Entries of older generations were unreachable already and expire
   * with their TTL.
   */
  async erase(tenantId: string, subjectPid: string): Promise<number> {
    const cache = this.cache;
    if (!cache) return 0;
    const held = (await this.cached(tenantId, subjectPid)).events !== undefined;
    // The subject's one entry goes whatever its generation (an unreachable one holds personal data too).
    await cache.cache.delete(this.profileKey(tenantId, subjectPid));
    await this.invalidate(tenantId, [subjectPid]);
    return held ? 1 : 0;
  }

  /** Reachable cached profiles of a subject (0 or 1; the deletion saga's verification). */
  async cachedEntries(tenantId: string, subjectPid: string): Promise<number> {
    if (!this.cache) return 0;
    return (await this.cached(tenantId, subjectPid)).events === undefined ? 0 : 1;
  }

  /** The subject's generation now and, when the cached entry is of that generation, its events (JSON). */
  private async cached(tenantId: string, subjectPid: string): Promise<{ generation: string; events: string | undefined }> {
    const [counter, entry] = await this.cache!.cache.getMany([
      this.generationKey(tenantId, subjectPid),
      this.profileKey(tenantId, subjectPid),
    ]);
    const generation = counter ?? '0';
    return { generation, events: entry?.startsWith(`${generation}\n`) ? entry.slice(generation.length + 1) : undefined };
  }

  private generationKey(tenantId: string, subjectPid: string): string {
    return featureCacheKey(this.cache!.keySpace, tenantId, 'user', subjectPid, 'profile_generation');
  }

  /** The subject's cached profile: `<generation>\n<events as JSON>`. */
  private profileKey(tenantId: string, subjectPid: string): string {
    return featureCacheKey(this.cache!.keySpace, tenantId, 'user', subjectPid, 'profile');
  }

  /**
   * The subject's latest events. An event of an erased subject dated before the erasure must not exist any more:
   * if one is found it is counted in `deleted_user_profile_hit_count` (alerted) and left out (fail closed).
   */
  private async query(tenantId: string, subjectPid: string, sinceMs: number): Promise<ProfileEvent[]> {
    const rows = (await this.dataSource.query(
      `SELECT e.item_id, e.event_type, (extract(epoch FROM e.occurred_at) * 1000)::bigint AS ts, i.category,
              x.erased_at IS NOT NULL AND e.occurred_at <= x.erased_at AS erased
       FROM features.event e JOIN features.item i ON i.tenant_id = e.tenant_id AND i.item_id = e.item_id
       LEFT JOIN features.erased_subject x ON x.tenant_id = e.tenant_id AND x.subject_pid = e.subject_pid
       WHERE e.tenant_id = $1 AND e.subject_pid = $2 AND e.occurred_at >= to_timestamp($3 / 1000.0)
       ORDER BY e.occurred_at DESC LIMIT ${PROFILE_EVENTS}`,
      [tenantId, subjectPid, sinceMs],
    )) as { item_id: string; event_type: string; ts: string; category: string; erased: boolean }[];
    const kept = rows.filter((r) => !r.erased);
    if (kept.length < rows.length) this.deletedHits.inc();
    return kept.map((r) => ({ itemId: r.item_id, eventType: r.event_type, timestampMs: Number(r.ts), category: r.category }));
  }
}

/** The events at or after `sinceMs` (newest first, so only a tail can be older: most reads copy nothing). */
function retainedSince(events: ProfileEvent[], sinceMs: number): ProfileEvent[] {
  const n = events.length;
  if (n === 0 || events[n - 1].timestampMs >= sinceMs) return events;
  return events.filter((e) => e.timestampMs >= sinceMs);
}

/** A cache entry of these events read at this generation. */
function stamped(generation: string, events: ProfileEvent[]): string {
  return `${generation}\n${JSON.stringify(events)}`;
}
