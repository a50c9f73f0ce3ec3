import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

/** The stores a deletion goes through, in order; the last one verifies the others (seed §19). */
export const DELETION_STEPS = [
  'consent-service.consent_records',
  'feature-gateway.events',
  'feature-gateway.profile_cache',
  'feature-gateway.session_state',
  'feature-gateway.training_datasets',
  'feature-gateway.experiment_exposures',
  'audit-service.decision_logs',
  'candidate-orchestrator.recommendation_cache',
  'training.exclusion_list',
  'verification',
] as const;
export type DeletionStepName = (typeof DELETION_STEPS)[number];

export interface DeletionRecord {
  tenantId: string;
  deletionId: string;
  subjectPid: string;
  /** Anonymous visitors of the subject whose session state goes too. */
  visitorPids: string[];
  state: 'PENDING' | 'RUNNING' | 'COMPLETED';
  steps: { store: DeletionStepName; state: string; recordsRemoved: number }[];
}

/** Deletion requests, their steps and the deleted-subject tombstones. Every method takes the tenant. */
export class DeletionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records a deletion request with its steps and the subject's tombstone, in one transaction. The same
   * idempotency key, or a deletion of the same subject still in progress, returns the existing request.
   */
  async create(
    tenantId: string,
    subjectPid: string,
    idempotencyKey: string,
    visitorPids: string[] = [],
  ): Promise<{ deletionId: string; created: boolean }> {
    return this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`deletion:${tenantId}:${subjectPid}`]);
      const existing = (await m.query(
        `SELECT deletion_id::text FROM consent.deletion_request
         WHERE tenant_id = $1 AND ((idempotency_key IS NOT NULL AND idempotency_key = $3) OR (subject_pid = $2 AND state <> 'COMPLETED'))
         ORDER BY (idempotency_key = $3) DESC NULLS LAST LIMIT 1`,
        [tenantId, subjectPid, idempotencyKey || null],
      )) as { deletion_id: string }[];
      if (existing.length > 0) return { deletionId: existing[0].deletion_id, created: false };
      const deletionId = randomUUID();
      await m.query(
        `INSERT INTO consent.deletion_request (tenant_id, deletion_id, subject_pid, idempotency_key, visitor_pids) VALUES ($1, $2, $3, $4, $5)`,
        [tenantId, deletionId, subjectPid, idempotencyKey || null, visitorPids],
      );
      await m.query(
        `INSERT INTO consent.deletion_step (tenant_id, deletion_id, store, position)
         SELECT $1, $2, store, position FROM unnest($3::text[]) WITH ORDINALITY AS s(store, position)`,
        [tenantId, deletionId, [...DELETION_STEPS]],
      );
      // The exclusion list (and the minimal proof): from now on nothing of this subject may train a model.
      await m.query(
        `INSERT INTO consent.deleted_subject (tenant_id, subject_pid, deleted_at, deletion_id) VALUES ($1, $2, now(), $3)
         ON CONFLICT (tenant_id, subject_pid) DO UPDATE SET deleted_at = now(), deletion_id = EXCLUDED.deletion_id`,
        [tenantId, subjectPid, deletionId],
      );
      return { deletionId, created: true };
    });
  }

  async get(tenantId: string, deletionId: string): Promise<DeletionRecord | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT r.subject_pid, r.visitor_pids, r.state, s.store, s.state AS step_state, s.records_removed::float8 AS removed
       FROM consent.deletion_request r JOIN consent.deletion_step s ON s.tenant_id = r.tenant_id AND s.deletion_id = r.deletion_id
       WHERE r.tenant_id = $1 AND r.deletion_id = $2 ORDER BY s.position`,
      [tenantId, deletionId],
    )) as {
      subject_pid: string;
      visitor_pids: string[];
      state: DeletionRecord['state'];
      store: DeletionStepName;
      step_state: string;
      removed: number;
    }[];
    if (rows.length === 0) return undefined;
    return {
      tenantId,
      deletionId,
      subjectPid: rows[0].subject_pid,
      visitorPids: rows[0].visitor_pids,
      state: rows[0].state,
      steps: rows.map((r) => ({ store: r.store, state: r.step_state, recordsRemoved: r.removed })),
    };
  }

  /** Requests not completed yet, oldest first (a saga resumes them after any crash). */
  async open(limit: number): Promise<{ tenantId: string; deletionId: string }[]> {
    const rows = (await this.dataSource.query(
      `SELECT tenant_id, deletion_id::text FROM consent.deletion_request WHERE state <> 'COMPLETED' ORDER BY created_at LIMIT $1`,
      [limit],
    )) as { tenant_id: string; deletion_id: string }[];
    return rows.map((r) => ({ tenantId: r.tenant_id, deletionId: r.deletion_id }));
  }

  /** Runs `work` holding the deletion's session advisory lock, or returns false when another runner holds it. */
  async exclusively(tenantId: string, deletionId: string, work: () => Promise<void>): Promise<boolean> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
        `deletion-run:${tenantId}:${deletionId}`,
      ])) as {
        locked: boolean;
      }[];
      if (!locked) return false;
      try {
        await work();
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`deletion-run:${tenantId}:${deletionId}`]);
      }
      return true;
    } finally {
      await runner.release();
    }
  }

  async setState(tenantId: string, deletionId: string, state: 'RUNNING' | 'COMPLETED'): Promise<void> {
    await this.dataSource.query(
      `UPDATE consent.deletion_request SET state = $3, completed_at = CASE WHEN $3 = 'COMPLETED' THEN now() END
       WHERE tenant_id = $1 AND deletion_id = $2`,
      [tenantId, deletionId, state],
    );
  }

  async setStep(tenantId: string, deletionId: string, store: DeletionStepName, state: string, recordsRemoved?: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE consent.deletion_step SET state = $4, records_removed = COALESCE($5, records_removed), updated_at = now()
       WHERE tenant_id = $1 AND deletion_id = $2 AND store = $3`,
      [tenantId, deletionId, store, state, recordsRemoved ?? null],
    );
  }

  async recordFailure(tenantId: string, deletionId: string, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE consent.deletion_request SET attempts = attempts + 1, last_error = $3 WHERE tenant_id = $1 AND deletion_id = $2`,
      [tenantId, deletionId, error.slice(0, 200)],
    );
  }

  /** Deletes every consent-schema record of the subject except the deletion's own proof; returns how many. */
  async purgeConsentRecords(tenantId: string, subjectPid: string): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      let removed = 0;
      for (const table of CONSENT_TABLES) {
        // A CTE, because TypeORM returns [rows, count] for a bare DELETE ... RETURNING.
        const [{ n }] = (await m.query(
          `WITH d AS (DELETE FROM consent.${table} WHERE tenant_id = $1 AND subject_pid = $2 RETURNING 1) SELECT count(*)::int AS n FROM d`,
          [tenantId, subjectPid],
        )) as { n: number }[];
        removed += n;
      }
      return removed;
    });
  }

  /** Consent-schema records of the subject, besides the deletion's own proof (the verification). */
  async countConsentRecords(tenantId: string, subjectPid: string): Promise<number> {
    const counts = CONSENT_TABLES.map((t) => `(SELECT count(*) FROM consent.${t} WHERE tenant_id = $1 AND subject_pid = $2)`).join(' + ');
    const [{ n }] = (await this.dataSource.query(`SELECT (${counts})::int AS n`, [tenantId, subjectPid])) as { n: number }[];
    return n;
  }

  /** The tenant's deleted subjects among `subjectPids`, and an id of the deletion list as it is now. */
  async deleted(tenantId: string, subjectPids: string[]): Promise<{ deleted: Set<string>; snapshot: string }> {
    const [rows, [summary]] = await Promise.all([
      this.dataSource.query(`SELECT subject_pid FROM consent.deleted_subject WHERE tenant_id = $1 AND subject_pid = ANY($2)`, [
        tenantId,
        subjectPids,
      ]) as Promise<{ subject_pid: string }[]>,
      this.dataSource.query(
        `SELECT count(*)::int AS n, COALESCE(max(deleted_at)::text, '') AS latest FROM consent.deleted_subject WHERE tenant_id = $1`,
        [tenantId],
      ) as Promise<{ n: number; latest: string }[]>,
    ]);
    return { deleted: new Set(rows.map((r) => r.subject_pid)), snapshot: `deletions:${summary.n}@${summary.latest || 'none'}` };
  }
}

/** Every consent-schema table that holds a subject's records (the deletion tables are the proof and stay). */
const CONSENT_TABLES = ['consent_grant', 'suppression', 'consent_history', 'control_propagation', 'subject_consent'] as const;
