import { DataSource, EntityManager } from 'typeorm';
import { Purpose } from '@recsys/privacy-context';

/** A subject's consent as stored; `exists` is false when nothing was ever recorded. */
export interface StoredConsent {
  exists: boolean;
  consentVersion: string;
  personalizationOff: boolean;
  grants: Partial<Record<Purpose, boolean>>;
  hiddenItemIds: string[];
  blockedCreatorIds: string[];
  lessLikeItemIds: string[];
}

export type SuppressionKind = 'item' | 'creator' | 'less_like_item';

/** A control that other stores must carry out; queued in the same transaction as the change. */
export type PropagatedControl = 'CLEAR_HISTORY' | 'RESET_PROFILE' | 'CONSENT_REVOKED';

/** One change to a subject's consent state; fields left out stay as they are. */
export interface ConsentChange {
  /** A short name for the history, e.g. "set_consent" or "HIDE_ITEM". */
  change: string;
  source: string;
  grants?: { purpose: Purpose; granted: boolean }[];
  personalizationOff?: boolean;
  suppress?: { kind: SuppressionKind; targetId: string };
  /** Suppressions of these kinds are removed (RESET_PROFILE forgets less-like-this marks). */
  unsuppress?: SuppressionKind[];
  /** Queued for feature-gateway; such a change always counts as effective (new events may exist). */
  propagate?: PropagatedControl;
}

export const NO_CONSENT: StoredConsent = {
  exists: false,
  consentVersion: '0',
  personalizationOff: false,
  grants: {},
  hiddenItemIds: [],
  blockedCreatorIds: [],
  lessLikeItemIds: [],
};

/** The consent schema. Every method takes the tenant; subjects are pseudonymous ids only. */
export class ConsentRepository {
  constructor(private readonly dataSource: DataSource) {}

  async load(tenantId: string, subjectPid: string): Promise<StoredConsent> {
    return this.loadWith(this.dataSource.manager, tenantId, subjectPid, false);
  }

  /**
   * The subjects among `subjectPids` that may be personalized, in one query: a record exists, personalization
   * is not switched off and PERSONALIZATION is granted — the rule of `resolvePrivacy` for a signed-in subject.
   */
  personalizable(tenantId: string, subjectPids: string[]): Promise<Set<string>> {
    return this.granting(tenantId, subjectPids, Purpose.PERSONALIZATION, 'AND NOT s.personalization_off');
  }

  /** The subjects among `subjectPids` with a current BEHAVIORAL_TRAINING grant, in one query. */
  trainable(tenantId: string, subjectPids: string[]): Promise<Set<string>> {
    return this.granting(tenantId, subjectPids, Purpose.BEHAVIORAL_TRAINING, '');
  }

  private async granting(tenantId: string, subjectPids: string[], purpose: Purpose, extra: string): Promise<Set<string>> {
    if (subjectPids.length === 0) return new Set();
    const rows = (await this.dataSource.query(
      `SELECT s.subject_pid FROM consent.subject_consent s
       JOIN consent.consent_grant g ON g.tenant_id = s.tenant_id AND g.subject_pid = s.subject_pid AND g.purpose = $3 AND g.granted
       WHERE s.tenant_id = $1 AND s.subject_pid = ANY($2) AND s.consent_version > 0 ${extra}`,
      [tenantId, subjectPids, purpose],
    )) as { subject_pid: string }[];
    return new Set(rows.map((r) => r.subject_pid));
  }

  /**
   * Applies a change in one transaction under a row lock. The consent version rises by one only when something
   * actually changed, so a repeated control is idempotent. Every effective change is appended to the history.
   */
  async apply(
    tenantId: string,
    subjectPid: string,
    change: ConsentChange,
  ): Promise<{ state: StoredConsent; changed: boolean; propagationId?: string }> {
    return this.dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO consent.subject_consent (tenant_id, subject_pid, consent_version, personalization_off)
         VALUES ($1, $2, 0, false) ON CONFLICT DO NOTHING`,
        [tenantId, subjectPid],
      );
      const before = await this.loadWith(m, tenantId, subjectPid, true);
      const grantChanges = (change.grants ?? []).filter((g) => before.grants[g.purpose] !== g.granted);
      const switchChanged = change.personalizationOff !== undefined && change.personalizationOff !== before.personalizationOff;
      let suppressionAdded = false;
      if (change.suppress) {
        const inserted: unknown[] = await m.query(
          `INSERT INTO consent.suppression (tenant_id, subject_pid, kind, target_id) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING RETURNING target_id`,
          [tenantId, subjectPid, change.suppress.kind, change.suppress.targetId],
        );
        suppressionAdded = inserted.length > 0;
      }
      let suppressionRemoved = false;
      if (change.unsuppress?.length) {
        // A CTE, because TypeORM returns [rows, count] for a bare DELETE ... RETURNING.
        const [{ n }] = (await m.query(
          `WITH d AS (DELETE FROM consent.suppression WHERE tenant_id = $1 AND subject_pid = $2 AND kind = ANY($3) RETURNING 1)
           SELECT count(*)::int AS n FROM d`,
          [tenantId, subjectPid, change.unsuppress],
        )) as { n: number }[];
        suppressionRemoved = n > 0;
      }
      // Revoking a PERSONALIZATION grant takes away the basis for holding the profile (seed §18): the stored
      // behaviour is purged like CLEAR_HISTORY, queued in this transaction so it is never lost.
      const revoked = grantChanges.some((g) => g.purpose === Purpose.PERSONALIZATION && !g.granted && before.grants[g.purpose] === true);
      const propagate = change.propagate ?? (revoked ? 'CONSENT_REVOKED' : undefined);
      let propagationId: string | undefined;
      if (propagate) {
        const [row] = (await m.query(
          `INSERT INTO consent.control_propagation (tenant_id, subject_pid, control) VALUES ($1, $2, $3) RETURNING id::text`,
          [tenantId, subjectPid, propagate],
        )) as { id: string }[];
        propagationId = row.id;
      }
      if (grantChanges.length === 0 && !switchChanged && !suppressionAdded && !suppressionRemoved && !propagationId) {
        return { state: { ...before, exists: before.consentVersion !== '0' }, changed: false };
      }
      for (const g of grantChanges) {
        await m.query(
          `INSERT INTO consent.consent_grant (tenant_id, subject_pid, purpose, granted, source, updated_at)
           VALUES ($1, $2, $3, $4, $5, now())
           ON CONFLICT (tenant_id, subject_pid, purpose) DO UPDATE SET granted = EXCLUDED.granted, source = EXCLUDED.source, updated_at = now()`,
          [tenantId, subjectPid, g.purpose, g.granted, change.source],
        );
      }
      const [{ consent_version: version }] = (await m.query(
        // A CTE, because TypeORM returns [rows, count] for a bare UPDATE ... RETURNING.
        `WITH bumped AS (
           UPDATE consent.subject_consent SET consent_version = consent_version + 1,
             personalization_off = COALESCE($3, personalization_off), updated_at = now()
           WHERE tenant_id = $1 AND subject_pid = $2 RETURNING consent_version)
         SELECT consent_version::text FROM bumped`,
        [tenantId, subjectPid, switchChanged ? change.personalizationOff : null],
      )) as { consent_version: string }[];
      await m.query(
        `INSERT INTO consent.consent_history (tenant_id, subject_pid, change, detail, source, consent_version)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          tenantId,
          subjectPid,
          change.change,
          JSON.stringify({
            grants: grantChanges,
            personalizationOff: switchChanged ? change.personalizationOff : undefined,
            suppress: suppressionAdded ? change.suppress : undefined,
            unsuppress: suppressionRemoved ? change.unsuppress : undefined,
            propagate,
          }),
          change.source,
          version,
        ],
      );
      return { state: await this.loadWith(m, tenantId, subjectPid, false), changed: true, propagationId };
    });
  }

  /** The subject's stored state in one query (a Recommend's privacy context reads it on every cache miss). */
  private async loadWith(m: EntityManager, tenantId: string, subjectPid: string, lock: boolean): Promise<StoredConsent> {
    const rows = (await m.query(
      `SELECT s.consent_version::text AS version, s.personalization_off,
         COALESCE((SELECT json_agg(json_build_array(g.purpose, g.granted)) FROM consent.consent_grant g
                   WHERE g.tenant_id = s.tenant_id AND g.subject_pid = s.subject_pid), '[]') AS grants,
         COALESCE((SELECT json_agg(json_build_array(x.kind, x.target_id) ORDER BY x.target_id) FROM consent.suppression x
                   WHERE x.tenant_id = s.tenant_id AND x.subject_pid = s.subject_pid), '[]') AS suppressions
       FROM consent.subject_consent s
       WHERE s.tenant_id = $1 AND s.subject_pid = $2 ${lock ? 'FOR UPDATE OF s' : ''}`,
      [tenantId, subjectPid],
    )) as { version: string; personalization_off: boolean; grants: [Purpose, boolean][]; suppressions: [string, string][] }[];
    if (rows.length === 0) return NO_CONSENT;
    const [row] = rows;
    const targets = (kind: string) => row.suppressions.filter(([k]) => k === kind).map(([, target]) => target);
    return {
      exists: row.version !== '0',
      consentVersion: row.version,
      personalizationOff: row.personalization_off,
      grants: Object.fromEntries(row.grants),
      hiddenItemIds: targets('item'),
      blockedCreatorIds: targets('creator'),
      lessLikeItemIds: targets('less_like_item'),
    };
  }
}
