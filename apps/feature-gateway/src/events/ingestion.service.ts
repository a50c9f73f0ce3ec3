import { Pseudonymizer } from '@recsys/tenant-keys';
import { IngestEventsRequest, IngestEventsResult, EventRejection } from '@recsys/proto';
import { InvalidArgumentError, ServiceMetrics } from '@recsys/service-kit';
import { CatalogSnapshots } from '../catalog/catalog-snapshot';
import { ConsentGate } from './consent-gate';
import { EventRepository, StoredEvent } from './event.repository';
import { SessionEvent, SessionStore } from './session-store';
import { ProfileStore } from '../profile/profile.store';
import { eventProblem, MAX_EVENTS_PER_CALL } from './event.validation';

/**
 * Consent-aware ingestion: invalid events are rejected one by one (the rest accepted); a signed-in subject's
 * events are stored as personal behaviour only with personalization consent, under a pseudonymous id.
 * Events without that consent are accepted but not stored; anonymous events go to short-lived session state only.
 * When consent cannot be checked the batch is refused (UNAVAILABLE) before anything is written.
 */
export class IngestionService {
  private readonly outcomes;

  constructor(
    private readonly events: EventRepository,
    private readonly snapshots: CatalogSnapshots,
    private readonly consent: ConsentGate,
    private readonly pseudonymizer: Pseudonymizer,
    private readonly sessions: SessionStore,
    private readonly profiles: Pick<ProfileStore, 'invalidate'>,
    metrics: ServiceMetrics,
    /** RAW_EVENT_RETENTION_DAYS: older events are refused rather than stored to be swept. */
    private readonly retentionDays = 90,
  ) {
    this.outcomes = metrics.counter('ingested_events_total', 'Ingested events by outcome.', ['outcome']);
  }

  async ingest(request: IngestEventsRequest): Promise<IngestEventsResult> {
    if (request.events.length > MAX_EVENTS_PER_CALL) {
      throw new InvalidArgumentError([`at most ${MAX_EVENTS_PER_CALL} events per call (got ${request.events.length})`]);
    }
    const now = Date.now();
    const known = (tenantId: string, itemId: string) => this.snapshots.get(tenantId)?.items.has(itemId) ?? false;
    const rejections: EventRejection[] = [];
    const valid = request.events.filter((event, index) => {
      const reason = eventProblem(event, known, now, now - this.retentionDays * 86_400_000);
      if (reason) rejections.push({ index, reason });
      return reason === undefined;
    });

    const byTenant = new Map<string, Set<string>>();
    for (const e of valid) if (e.userId) byTenant.set(e.tenantId, (byTenant.get(e.tenantId) ?? new Set()).add(e.userId));
    const allowed = new Map<string, boolean>();
    for (const [tenantId, users] of byTenant) {
      for (const [userId, ok] of await this.consent.personalizationAllowed(tenantId, [...users]))
        allowed.set(`${tenantId}\u0000${userId}`, ok);
    }

    const personal: StoredEvent[] = valid
      .filter((e) => e.userId && allowed.get(`${e.tenantId}\u0000${e.userId}`) === true)
      .map((e) => ({
        tenantId: e.tenantId,
        subjectPid: this.pseudonymizer.userPid(e.tenantId, e.userId),
        itemId: e.itemId,
        eventType: e.eventType,
        timestampMs: e.timestampMs,
        sessionId: e.sessionId,
        region: e.region,
      }));
    const stored = await this.events.insert(personal);
    const byTenantPids = new Map<string, Set<string>>();
    for (const e of personal) byTenantPids.set(e.tenantId, (byTenantPids.get(e.tenantId) ?? new Set()).add(e.subjectPid));
    for (const [tenantId, pids] of byTenantPids) await this.profiles.invalidate(tenantId, pids);
    const sessionEvents = await this.storeAnonymousSessions(valid.filter((e) => !e.userId));
    this.outcomes.inc({ outcome: 'rejected' }, rejections.length);
    this.outcomes.inc({ outcome: 'stored_personal' }, stored);
    this.outcomes.inc({ outcome: 'session_state' }, sessionEvents);
    this.outcomes.inc({ outcome: 'not_stored_without_consent' }, valid.length - stored - sessionEvents);
    return { accepted: valid.length, rejected: rejections.length, rejections, storedPersonal: stored };
  }

  /** Anonymous events go to short-lived session state only, under the pseudonymous visitor id. */
  private async storeAnonymousSessions(events: IngestEventsRequest['events']): Promise<number> {
    const byVisitor = new Map<string, { tenantId: string; pid: string; events: SessionEvent[] }>();
    for (const e of events) {
      const pid = this.pseudonymizer.anonymousPid(e.tenantId, e.anonymousId);
      const key = `${e.tenantId}\u0000${pid}`;
      const entry = byVisitor.get(key) ?? { tenantId: e.tenantId, pid, events: [] };
      entry.events.push({ itemId: e.itemId, eventType: e.eventType, timestampMs: e.timestampMs });
      byVisitor.set(key, entry);
    }
    // Visitors erased by a deletion: events dated before the erasure cannot bring their session state back.
    const erased = new Map<string, number>();
    for (const tenantId of new Set([...byVisitor.values()].map((v) => v.tenantId))) {
      const pids = [...byVisitor.values()].filter((v) => v.tenantId === tenantId).map((v) => v.pid);
      for (const [pid, at] of await this.events.erasedAt(tenantId, pids)) erased.set(`${tenantId}\u0000${pid}`, at);
    }
    let stored = 0;
    for (const [key, v] of byVisitor) {
      const erasedAt = erased.get(key);
      const kept = erasedAt === undefined ? v.events : v.events.filter((e) => e.timestampMs > erasedAt);
      if (kept.length > 0) await this.sessions.append(v.tenantId, v.pid, kept);
      stored += kept.length;
    }
    return stored;
  }
}
