import { DataSource } from 'typeorm';
import { personalizationAllowed, PrivacyContext } from '@recsys/privacy-context';
import { ServiceMetrics } from '@recsys/service-kit';

export interface ProfileEvent {
  itemId: string;
  eventType: string;
  timestampMs: number;
  category: string;
}

/** How many of a subject's latest events a profile read considers. */
const PROFILE_EVENTS = 200;

/**
 * The profile store: a subject's own behaviour. The only way to read it is `read(ctx)`, which refuses a
 * context that does not allow personalization — and counts the attempt in
 * `profile_fetch_in_non_personalized_mode`, a metric that must stay 0 (seed §39).
 */
export class ProfileStore {
  private readonly reads;
  private readonly violations;

  constructor(
    private readonly dataSource: DataSource,
    metrics: ServiceMetrics,
  ) {
    this.reads = metrics.counter('profile_store_reads_total', 'Reads of the profile store, by privacy mode of the request.', ['mode']);
    this.violations = metrics.counter(
      'profile_fetch_in_non_personalized_mode',
      'Profile reads attempted without a personalization context (refused). Must stay 0.',
    );
  }

  async read(ctx: PrivacyContext): Promise<ProfileEvent[]> {
    if (!personalizationAllowed(ctx) || !ctx.subjectPid) {
      this.violations.inc();
      throw new Error('profile store read refused: the privacy context does not allow personalization');
    }
    this.reads.inc({ mode: ctx.mode });
    const rows = (await this.dataSource.query(
      `SELECT e.item_id, e.event_type, (extract(epoch FROM e.occurred_at) * 1000)::bigint AS ts, i.category
       FROM features.event e JOIN features.item i ON i.tenant_id = e.tenant_id AND i.item_id = e.item_id
       WHERE e.tenant_id = $1 AND e.subject_pid = $2
       ORDER BY e.occurred_at DESC LIMIT ${PROFILE_EVENTS}`,
      [ctx.tenantId, ctx.subjectPid],
    )) as { item_id: string; event_type: string; ts: string; category: string }[];
    return rows.map((r) => ({ itemId: r.item_id, eventType: r.event_type, timestampMs: Number(r.ts), category: r.category }));
  }
}
