import { CountSubjectDataRequest, PurgeSubjectProfileRequest, PurgeSubjectProfileResult, SubjectDataCount } from '@recsys/proto';
import { isSubjectPid, isValidTenantId } from '@recsys/tenant-keys';
import { InvalidArgumentError, ServiceMetrics } from '@recsys/service-kit';
import { EventRepository } from './event.repository';
import { ProfileStore } from '../profile/profile.store';

/**
 * Carries out CLEAR_HISTORY, RESET_PROFILE and the deletion saga's purge for the profile store (consent-service
 * calls it; idempotent), and counts what is left for the saga's verification.
 */
export class ProfilePurgeService {
  private readonly purged;

  constructor(
    private readonly events: EventRepository,
    private readonly profiles: Pick<ProfileStore, 'invalidate'>,
    metrics: ServiceMetrics,
  ) {
    this.purged = metrics.counter('profile_purges_total', 'Subject profile purges by reason (user controls).', ['reason']);
  }

  async purge(req: PurgeSubjectProfileRequest): Promise<PurgeSubjectProfileResult> {
    const problems = subjectProblems(req);
    if (!/^[A-Z_]{1,40}$/.test(req.reason)) problems.push('reason must be a user control name or DELETION');
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const eventsRemoved = await this.events.deleteSubject(req.tenantId, req.subjectPid);
    // After the delete committed: no cached copy of the old profile can be read again.
    await this.profiles.invalidate(req.tenantId, [req.subjectPid]);
    this.purged.inc({ reason: req.reason });
    return { eventsRemoved };
  }

  async count(req: CountSubjectDataRequest): Promise<SubjectDataCount> {
    const problems = subjectProblems(req);
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    return { events: await this.events.countSubject(req.tenantId, req.subjectPid) };
  }
}

function subjectProblems(req: { tenantId: string; subjectPid: string }): string[] {
  const problems: string[] = [];
  if (!isValidTenantId(req.tenantId)) problems.push('tenant_id is missing or invalid');
  if (!isSubjectPid(req.subjectPid)) problems.push('subject_pid must be a pseudonymous subject id');
  return problems;
}
