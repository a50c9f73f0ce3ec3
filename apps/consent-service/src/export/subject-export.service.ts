import { AuditServiceClient, ExportSubjectDataRequest, FeatureServiceClient, SubjectDataExport } from '@recsys/proto';
import { Pseudonymizer } from '@recsys/tenant-keys';
import { AuditSink, DECISION_ACTION, UnaryClient } from '@recsys/service-kit';
import { checkId, checkTenant, fail } from '../consent/consent.commands';
import { SubjectExportRepository } from './subject-export.repository';

/** The export's schema id; a change of shape gets a new one (docs/data-export.md). */
export const EXPORT_SCHEMA = 'recsys.subject-export/v1';
/** audit-service answers at most this many records per query; an export that reaches it says so. */
const AUDIT_LIMIT = 1000;
const MAX_ANONYMOUS_IDS = 20;

export interface ExportCommand {
  tenantId: string;
  userId: string;
  anonymousIds: string[];
}

export function exportCommand(req: ExportSubjectDataRequest): ExportCommand {
  const problems: string[] = [];
  checkTenant(req.tenantId, problems);
  checkId('user_id', req.userId, true, problems);
  if (req.anonymousIds.length > MAX_ANONYMOUS_IDS) problems.push(`anonymous_ids: at most ${MAX_ANONYMOUS_IDS}`);
  req.anonymousIds.forEach((id, i) => checkId(`anonymous_ids[${i}]`, id, true, problems));
  fail(problems);
  return { tenantId: req.tenantId, userId: req.userId, anonymousIds: [...new Set(req.anonymousIds)] };
}

export interface SubjectExportDeps {
  repository: SubjectExportRepository;
  features: Pick<UnaryClient<FeatureServiceClient>, 'exportSubjectProfile'>;
  audit: Pick<UnaryClient<AuditServiceClient>, 'queryRecords'>;
  sink: AuditSink;
  pseudonymizer: Pseudonymizer;
  timeoutMs: number;
}

/**
 * ExportSubjectData ("download my data", seed §12): everything the platform holds of one subject, gathered from
 * every store through its owner (consent records here, events, session state and training datasets from
 * feature-gateway, decision records and the audit trail about the subject from audit-service), as one JSON
 * document with a stable schema. Every read is bound to the tenant and the subject's pseudonymous id, so
 * nothing of another subject or tenant can enter. The raw user id appears only in the document itself, which
 * goes to the subject; the export is audited with the pseudonymous id. A store that cannot answer fails the
 * export (UNAVAILABLE) rather than returning a partial document.
 */
export class SubjectExportService {
  constructor(private readonly deps: SubjectExportDeps) {}

  async export(cmd: ExportCommand, now = new Date()): Promise<SubjectDataExport> {
    const { tenantId } = cmd;
    const subjectPid = this.deps.pseudonymizer.userPid(tenantId, cmd.userId);
    const visitors = cmd.anonymousIds.map((id) => ({ anonymousId: id, pid: this.deps.pseudonymizer.anonymousPid(tenantId, id) }));
    const call = { timeoutMs: this.deps.timeoutMs };
    const [consent, profile, visitorProfiles, audit, visitorDecisions] = await Promise.all([
      this.deps.repository.consent(tenantId, subjectPid),
      this.deps.features.exportSubjectProfile({ tenantId, subjectPid }, call),
      Promise.all(visitors.map((v) => this.deps.features.exportSubjectProfile({ tenantId, subjectPid: v.pid }, call))),
      this.deps.audit.queryRecords({ tenantId, target: subjectPid, action: '', limit: AUDIT_LIMIT }, call),
      Promise.all(
        visitors.map((v) => this.deps.audit.queryRecords({ tenantId, target: v.pid, action: DECISION_ACTION, limit: AUDIT_LIMIT }, call)),
      ),
    ]);
    const targets = new Set([subjectPid, ...visitors.map((v) => v.pid)]);
    const records = [...audit.records, ...visitorDecisions.flatMap((d) => d.records)]
      .filter((r) => r.tenantId === tenantId && targets.has(r.target))
      .sort((a, b) => a.occurredAtMs - b.occurredAtMs)
      .map((r) => ({
        action: r.action,
        actor: r.actor,
        reason: r.reason,
        occurred_at: new Date(r.occurredAtMs).toISOString(),
        request_id: r.requestId,
        details: r.detailsJson ? (JSON.parse(r.detailsJson) as unknown) : {},
      }));
    const document = {
      schema: EXPORT_SCHEMA,
      generated_at: now.toISOString(),
      tenant_id: tenantId,
      subject: { user_id: cmd.userId, pseudonymous_id: subjectPid },
      consent: {
        consent_version: consent.consent_version,
        personalization_off: consent.personalization_off,
        grants: consent.grants,
        suppressions: consent.suppressions,
        history: consent.history,
      },
      deletion_requests: consent.deletion_requests,
      behaviour_events: JSON.parse(profile.eventsJson) as unknown[],
      session_state: [
        { anonymous_id: null, events: JSON.parse(profile.sessionStateJson) as unknown[] },
        ...visitors.map((v, i) => ({ anonymous_id: v.anonymousId, events: JSON.parse(visitorProfiles[i].sessionStateJson) as unknown[] })),
      ],
      training_datasets: JSON.parse(profile.trainingDatasetsJson) as unknown[],
      experiment_exposures: [profile, ...visitorProfiles].flatMap((p) => JSON.parse(p.exposuresJson || '[]') as unknown[]),
      decision_records: records.filter((r) => r.action === DECISION_ACTION),
      audit_trail: records.filter((r) => r.action !== DECISION_ACTION),
      audit_records_truncated: [audit, ...visitorDecisions].some((a) => a.records.length >= AUDIT_LIMIT),
    };
    this.deps.sink.record({
      tenantId,
      actor: '',
      action: 'subject.exported',
      target: subjectPid,
      reason: 'ExportSubjectData',
      requestId: '',
      details: {
        schema: EXPORT_SCHEMA,
        events: document.behaviour_events.length,
        decisionRecords: document.decision_records.length,
        anonymousVisitors: visitors.map((v) => v.pid),
      },
    });
    return { tenantId, documentJson: JSON.stringify(document) };
  }
}
