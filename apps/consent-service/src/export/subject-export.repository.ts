import { DataSource } from 'typeorm';

/** What the consent schema holds of one subject, in the export's shape (snake_case, ISO times). */
export interface ConsentExport {
  consent_version: string;
  personalization_off: boolean;
  grants: { purpose: string; granted: boolean; source: string; updated_at: string }[];
  suppressions: { kind: string; target_id: string; created_at: string }[];
  history: { change: string; detail: unknown; source: string; consent_version: string; recorded_at: string }[];
  deletion_requests: { deletion_id: string; state: string; created_at: string; completed_at: string | null }[];
}

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', ${ISO})`;

/** Reads one subject's records of the consent schema, every query bound to the tenant and the subject. */
export class SubjectExportRepository {
  constructor(private readonly dataSource: DataSource) {}

  async consent(tenantId: string, subjectPid: string): Promise<ConsentExport> {
    const args = [tenantId, subjectPid];
    const [subject, grants, suppressions, history, deletions] = await Promise.all([
      this.dataSource.query(
        `SELECT consent_version::text, personalization_off FROM consent.subject_consent WHERE tenant_id = $1 AND subject_pid = $2`,
        args,
      ) as Promise<{ consent_version: string; personalization_off: boolean }[]>,
      this.dataSource.query(
        `SELECT purpose, granted, source, ${iso('updated_at')} AS updated_at FROM consent.consent_grant
         WHERE tenant_id = $1 AND subject_pid = $2 ORDER BY purpose`,
        args,
      ) as Promise<ConsentExport['grants']>,
      this.dataSource.query(
        `SELECT kind, target_id, ${iso('created_at')} AS created_at FROM consent.suppression
         WHERE tenant_id = $1 AND subject_pid = $2 ORDER BY kind, target_id`,
        args,
      ) as Promise<ConsentExport['suppressions']>,
      this.dataSource.query(
        `SELECT change, detail, source, consent_version::text, ${iso('recorded_at')} AS recorded_at FROM consent.consent_history
         WHERE tenant_id = $1 AND subject_pid = $2 ORDER BY id`,
        args,
      ) as Promise<ConsentExport['history']>,
      this.dataSource.query(
        `SELECT deletion_id::text, state, ${iso('created_at')} AS created_at,
                CASE WHEN completed_at IS NULL THEN NULL ELSE ${iso('completed_at')} END AS completed_at
         FROM consent.deletion_request r WHERE tenant_id = $1 AND subject_pid = $2 ORDER BY r.created_at`,
        args,
      ) as Promise<ConsentExport['deletion_requests']>,
    ]);
    return {
      consent_version: subject[0]?.consent_version ?? '0',
      personalization_off: subject[0]?.personalization_off ?? false,
      grants,
      suppressions,
      history,
      deletion_requests: deletions,
    };
  }
}
