import { DataSource } from 'typeorm';

/** What the results command counts per variant and privacy mode; see docs/experiments.md for each definition. */
export interface CellCounts {
  variant: string;
  mode: string;
  /** Every exposure, linked or not. */
  exposures: number;
  /** Exposures linked to a subject (consent for the experiment's purpose). */
  linkedExposures: number;
  /** Distinct linked subjects, signed-in or anonymous. */
  linkedSubjects: number;
  /** Distinct signed-in subjects of the linked exposures: the population click-through is measured on. */
  measuredSubjects: number;
  /** Distinct items shown per linked exposure of a signed-in subject, summed. */
  impressions: number;
  /** Those impressions followed by a click or purchase of the item by the same subject within 24 h. */
  clicks: number;
}

/** The hours after an exposure in which a click on one of its items counts for it. */
export const CLICK_WINDOW_HOURS = 24;
export const CLICK_EVENT_TYPES = ['click', 'purchase'] as const;

/** Reads the exposure logs and stored behaviour of one tenant for the results command. Read-only. */
export class ExperimentResultsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Counts per variant and mode of one experiment's exposures in its declared period. Governed data only: the
   * click-through reads linked exposures of signed-in subjects (an anonymous visitor's behaviour is never stored,
   * so it could never click here) and the stored behaviour events (which exist only for subjects with
   * personalization consent); an exposure or event of an erased subject dated before the erasure (a restored
   * backup) is left out, as the profile store does.
   */
  async cells(tenantId: string, experiment: { name: string; startMs: number; endMs: number }): Promise<CellCounts[]> {
    const rows = (await this.dataSource.query(
      `WITH x AS (
         SELECT e.variant, e.mode, e.subject_pid, e.item_ids, e.occurred_at, e.id
         FROM features.exposure e
         WHERE e.tenant_id = $1 AND e.experiment = $2 AND e.occurred_at >= $3 AND e.occurred_at < $4
           AND NOT EXISTS (SELECT 1 FROM features.erased_subject s
                           WHERE s.tenant_id = $1 AND s.subject_pid = e.subject_pid AND e.occurred_at <= s.erased_at)),
       shown AS (
         SELECT x.variant, x.mode, x.subject_pid, x.occurred_at, i.item_id
         FROM x CROSS JOIN LATERAL (SELECT DISTINCT unnest(x.item_ids) AS item_id) i
         WHERE left(x.subject_pid, 2) = 'u_'),
       measured AS (
         SELECT variant, mode, count(DISTINCT subject_pid)::int AS subjects, count(*)::int AS impressions,
                count(*) FILTER (WHERE EXISTS (
                  SELECT 1 FROM features.event ev
                  WHERE ev.tenant_id = $1 AND ev.subject_pid = shown.subject_pid AND ev.item_id = shown.item_id
                    AND ev.event_type = ANY($5) AND ev.occurred_at >= shown.occurred_at
                    AND ev.occurred_at < shown.occurred_at + make_interval(hours => $6)
                    AND NOT EXISTS (SELECT 1 FROM features.erased_subject s
                                    WHERE s.tenant_id = $1 AND s.subject_pid = ev.subject_pid AND ev.occurred_at <= s.erased_at))
                )::int AS clicks
         FROM shown GROUP BY variant, mode),
       served AS (
         SELECT variant, mode, count(*)::int AS exposures,
                count(*) FILTER (WHERE subject_pid <> '')::int AS linked_exposures,
                count(DISTINCT NULLIF(subject_pid, ''))::int AS linked_subjects
         FROM x GROUP BY variant, mode)
       SELECT s.variant, s.mode, s.exposures, s.linked_exposures, s.linked_subjects,
              coalesce(m.subjects, 0) AS measured_subjects, coalesce(m.impressions, 0) AS impressions, coalesce(m.clicks, 0) AS clicks
       FROM served s LEFT JOIN measured m USING (variant, mode)
       ORDER BY s.variant, s.mode`,
      [tenantId, experiment.name, new Date(experiment.startMs), new Date(experiment.endMs), CLICK_EVENT_TYPES, CLICK_WINDOW_HOURS],
    )) as {
      variant: string;
      mode: string;
      exposures: number;
      linked_exposures: number;
      linked_subjects: number;
      measured_subjects: number;
      impressions: number;
      clicks: number;
    }[];
    return rows.map((r) => ({
      variant: r.variant,
      mode: r.mode,
      exposures: r.exposures,
      linkedExposures: r.linked_exposures,
      linkedSubjects: r.linked_subjects,
      measuredSubjects: r.measured_subjects,
      impressions: r.impressions,
      clicks: r.clicks,
    }));
  }
}
