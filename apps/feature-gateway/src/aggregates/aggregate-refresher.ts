import type { Logger } from 'pino';
import { ServiceMetrics } from '@recsys/service-kit';
import { CatalogSnapshots } from '../catalog/catalog-snapshot';
import { AggregateRepository, RefreshStats } from './aggregate.repository';

/**
 * Keeps aggregates and snapshots current: every interval it recomputes the tenants with new events and
 * reloads every tenant's snapshot (so replicas converge on what another replica computed).
 */
export class AggregateRefresher {
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly refreshSeconds;

  constructor(
    private readonly aggregates: AggregateRepository,
    private readonly snapshots: CatalogSnapshots,
    private readonly options: { minUsers: number; windowDays: number; intervalSeconds: number },
    metrics: ServiceMetrics,
    private readonly logger: Logger,
  ) {
    this.refreshSeconds = metrics.histogram(
      'aggregate_refresh_seconds',
      "Time to recompute one tenant's thresholded aggregates.",
      [],
      [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    );
  }

  async refresh(tenantId: string): Promise<RefreshStats> {
    const end = this.refreshSeconds.startTimer();
    const stats = await this.aggregates.refresh(tenantId, this.options.minUsers, this.options.windowDays);
    end();
    await this.snapshots.reload(tenantId);
    this.logger.info({ tenantId, ...stats }, 'aggregates refreshed');
    return stats;
  }

  /** One pass: refresh stale tenants, reload all snapshots. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const tenantId of await this.aggregates.staleTenants(this.options.minUsers)) await this.refresh(tenantId);
      await this.snapshots.reloadAll();
    } finally {
      this.running = false;
    }
  }

  start(): void {
    const loop = () => {
      this.timer = setTimeout(() => {
        this.tick()
          .catch((error: unknown) => this.logger.error({ err: String(error) }, 'aggregate refresh failed'))
          .finally(loop);
      }, this.options.intervalSeconds * 1000);
      this.timer.unref();
    };
    loop();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
