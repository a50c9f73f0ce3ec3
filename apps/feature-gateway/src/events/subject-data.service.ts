import {
  CountSubjectDataRequest,
  ExportSubjectProfileRequest,
  PurgeSubjectProfileRequest,
  PurgeSubjectProfileResult,
  SubjectDataCount,
  SubjectProfileExport,
} from '@recsys/proto';
import { isSubjectPid, isValidTenantId } from '@recsys/tenant-keys';
import { InvalidArgumentError, ServiceMetrics } from '@recsys/service-kit';
import { EventRepository } from './event.repository';
import { SessionStore } from './session-store';
import { ExposureRepository } from '../experiments/exposure.repository';
import { ProfileStore } from '../profile/profile.store';

/** Stored training datasets, as far as one subject is concerned (feature-gateway's training job writes them). */
export interface SubjectDatasets {
  deleteSubject(tenantId: string, subjectPid: string): Promise<number>;
  countSubject(tenantId: string, subjectPid: string): Promise<number>;
  exportSubject(tenantId: string, subjectPid: string): Promise<{ dataset_id: string; name: string; created_at: string; rows: number }[]>;
}

/** The purge reason of the deletion saga; every other reason is a user control. */
const DELETION = 'DELETION';

/**
 * Everything feature-gateway holds of one subject, as one unit: the events (profile store), the cached profile,
 * the session state, the stored training datasets and the experiment exposure logs. Consent-service calls it for
 * user controls (CLEAR_HISTORY, RESET_PROFILE, CONSENT_REVOKED: behaviour, cached profile and session state), for
 * the deletion saga (reason DELETION: all of it, and the subject is recorded as erased), for the saga's
 * verification (counts) and for the subject's data export. Every call is idempotent.
 */
export class SubjectDataService {
  private readonly purged;

  constructor(
    private readonly events: EventRepository,
    private readonly profiles: Pick<ProfileStore, 'invalidate' | 'erase' | 'cachedEntries'>,
    private readonly sessions: Pick<SessionStore, 'erase' | 'count' | 'read'>,
    private readonly datasets: SubjectDatasets,
    private readonly exposures: Pick<ExposureRepository, 'deleteSubject' | 'countSubject' | 'exportSubject'>,
    metrics: ServiceMetrics,
  ) {
    this.purged = metrics.counter('profile_purges_total', 'Subject profile purges by reason (user controls, DELETION).', ['reason']);
  }

  async purge(req: PurgeSubjectProfileRequest): Promise<PurgeSubjectProfileResult> {
    const problems = subjectProblems(req);
    if (!/^[A-Z_]{1,40}$/.test(req.reason)) problems.push('reason must be a user control name or DELETION');
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const deletion = req.reason === DELETION;
    const eventsRemoved = await this.events.deleteSubject(req.tenantId, req.subjectPid, deletion);
    // After the delete committed: no cached copy of the old profile can be read again.
    const profileCacheEntriesRemoved = await this.profiles.erase(req.tenantId, req.subjectPid);
    const sessionEntriesRemoved = await this.sessions.erase(req.tenantId, req.subjectPid);
    // Datasets already built hold behaviour the subject agreed to be trained on; only a deletion takes it back.
    const datasetRowsRemoved = deletion ? await this.datasets.deleteSubject(req.tenantId, req.subjectPid) : 0;
    // Exposure logs record what the platform showed, not what the subject did: no personalization reads them, so a
    // user control over the profile leaves them to their 30-day retention; a deletion takes them (docs/experiments.md).
    const exposuresRemoved = deletion ? await this.exposures.deleteSubject(req.tenantId, req.subjectPid) : 0;
    this.purged.inc({ reason: req.reason });
    return { eventsRemoved, sessionEntriesRemoved, profileCacheEntriesRemoved, datasetRowsRemoved, exposuresRemoved };
  }

  async count(req: CountSubjectDataRequest): Promise<SubjectDataCount> {
    const problems = subjectProblems(req);
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const [events, sessionEntries, profileCacheEntries, datasetRows, exposures] = await Promise.all([
      this.events.countSubject(req.tenantId, req.subjectPid),
      this.sessions.count(req.tenantId, req.subjectPid),
      this.profiles.cachedEntries(req.tenantId, req.subjectPid),
      this.datasets.countSubject(req.tenantId, req.subjectPid),
      this.exposures.countSubject(req.tenantId, req.subjectPid),
    ]);
    return { events, sessionEntries, profileCacheEntries, datasetRows, exposures };
  }

  /** What is held of the subject, for their export (the caller resolved the subject; pseudonymous here). */
  async export(req: ExportSubjectProfileRequest): Promise<SubjectProfileExport> {
    const problems = subjectProblems(req);
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const [events, session, datasets, exposures] = await Promise.all([
      this.events.exportSubject(req.tenantId, req.subjectPid),
      this.sessions.read(req.tenantId, req.subjectPid),
      this.datasets.exportSubject(req.tenantId, req.subjectPid),
      this.exposures.exportSubject(req.tenantId, req.subjectPid),
    ]);
    return {
      eventsJson: JSON.stringify(events),
      sessionStateJson: JSON.stringify(
        session.map((e) => ({ item_id: e.itemId, event_type: e.eventType, occurred_at: new Date(e.timestampMs).toISOString() })),
      ),
      trainingDatasetsJson: JSON.stringify(datasets),
      exposuresJson: JSON.stringify(exposures),
    };
  }
}

function subjectProblems(req: { tenantId: string; subjectPid: string }): string[] {
  const problems: string[] = [];
  if (!isValidTenantId(req.tenantId)) problems.push('tenant_id is missing or invalid');
  if (!isSubjectPid(req.subjectPid)) problems.push('subject_pid must be a pseudonymous subject id');
  return problems;
}
