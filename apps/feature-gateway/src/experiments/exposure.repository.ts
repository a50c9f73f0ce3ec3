import { DataSource } from 'typeorm';
import { Exposure } from '@recsys/proto';

/** One exposure as a subject's data export shows it. */
export interface ExportedExposure {
  experiment: string;
  variant: string;
  mode: string;
  surface: string;
  request_id: string;
  item_ids: string[];
  occurred_at: string;
}

/** features.exposure: the experiment exposure logs (data class experiment_exposures, pseudonymous). */
export class ExposureRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Stores a batch in one statement. Idempotent by (tenant, request): a retried batch stores nothing twice. An
   * exposure of an erased subject dated before the erasure is not stored (a late batch cannot bring them back)
   * and is counted in `erased`.
   */
  async insert(exposures: readonly Exposure[]): Promise<{ stored: number; erased: number }> {
    if (exposures.length === 0) return { stored: 0, erased: 0 };
    const [row] = (await this.dataSource.query(
      `WITH u AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[])
           AS u(t, r, x, v, m, s, p, items, ts)),
       kept AS (
         SELECT * FROM u WHERE NOT EXISTS (
           SELECT 1 FROM features.erased_subject e
           WHERE e.tenant_id = u.t AND e.subject_pid = u.p AND to_timestamp(u.ts / 1000.0) <= e.erased_at)),
       ins AS (
         INSERT INTO features.exposure (tenant_id, request_id, experiment, variant, mode, surface, subject_pid, item_ids, occurred_at)
         SELECT t, r, x, v, m, s, p, ARRAY(SELECT jsonb_array_elements_text(items::jsonb)), to_timestamp(ts / 1000.0) FROM kept
         ON CONFLICT (tenant_id, request_id) DO NOTHING
         RETURNING 1)
       SELECT (SELECT count(*) FROM ins)::int AS stored, ((SELECT count(*) FROM u) - (SELECT count(*) FROM kept))::int AS erased`,
      [
        exposures.map((e) => e.tenantId),
        exposures.map((e) => e.requestId),
        exposures.map((e) => e.experiment),
        exposures.map((e) => e.variant),
        exposures.map((e) => e.mode),
        exposures.map((e) => e.surface),
        exposures.map((e) => e.subjectPid),
        // Arrays of different lengths cannot travel as one two-dimensional array: one JSON list per exposure.
        exposures.map((e) => JSON.stringify(e.itemIds)),
        exposures.map((e) => e.occurredAtMs),
      ],
    )) as { stored: number; erased: number }[];
    return row;
  }

  /** Removes every exposure linked to the subject; idempotent. */
  async deleteSubject(tenantId: string, subjectPid: string): Promise<number> {
    const [{ n }] = (await this.dataSource.query(
      `WITH d AS (DELETE FROM features.exposure WHERE tenant_id = $1 AND subject_pid = $2 RETURNING 1) SELECT count(*)::int AS n FROM d`,
      [tenantId, subjectPid],
    )) as { n: number }[];
    return n;
  }

  /** Exposures still linked to the subject (the deletion saga's verification). */
  async countSubject(tenantId: string, subjectPid: string): Promise<number> {
    const [{ n }] = (await this.dataSource.query(
      `SELECT count(*)::int AS n FROM features.exposure WHERE tenant_id = $1 AND subject_pid = $2`,
      [tenantId, subjectPid],
    )) as { n: number }[];
    return n;
  }

  /** The subject's exposures, oldest first, for their data export. */
  async exportSubject(tenantId: string, subjectPid: string): Promise<ExportedExposure[]> {
    return (await this.dataSource.query(
      `SELECT experiment, variant, mode, surface, request_id, item_ids,
              to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at
       FROM features.exposure x WHERE tenant_id = $1 AND subject_pid = $2 ORDER BY x.occurred_at, x.id`,
      [tenantId, subjectPid],
    )) as ExportedExposure[];
  }
}
