import { status } from '@grpc/grpc-js';
import { ConsentServiceClient, FeatureServiceClient, Purpose } from '@recsys/proto';
import { createGrpcClient } from '@recsys/service-kit';
import { DemoData } from './types';

export interface LoadTargets {
  consentAddr: string;
  featureAddr: string;
}

export interface LoadReport {
  tenant: string;
  items: number;
  consents: number;
  eventsAccepted: number;
  eventsStoredPersonal: number;
  popularityRows: number;
  neighborPairs: number;
}

const ITEM_BATCH = 2500;
const RETRIES = 5;
const EVENT_BATCH = 1000;
const CONSENT_CONCURRENCY = 32;

/**
 * Loads demo data through the services' own APIs, the way a tenant's pipelines would: the catalog through
 * FeatureService.ImportCatalog, each user's consent through ConsentService.SetConsent, behaviour through
 * FeatureService.IngestEvents (so consent-aware ingestion decides what is stored), then a refresh of the
 * thresholded aggregates.
 */
export async function loadDemoData(
  data: DemoData,
  targets: LoadTargets,
  progress: (line: string) => void = () => undefined,
): Promise<LoadReport[]> {
  const consent = createGrpcClient<ConsentServiceClient>('ConsentService', targets.consentAddr, 30_000);
  const features = createGrpcClient<FeatureServiceClient>('FeatureService', targets.featureAddr, 120_000);
  try {
    const reports: LoadReport[] = [];
    for (const { tenantId } of data.tenants) {
      const items = data.items.filter((i) => i.tenantId === tenantId);
      let imported = 0;
      for (let i = 0; i < items.length; i += ITEM_BATCH) {
        const batch = items.slice(i, i + ITEM_BATCH);
        const editorial = i === 0 ? data.editorial.filter((e) => e.tenantId === tenantId) : [];
        const result = await features.importCatalog({
          tenantId,
          items: batch.map((it) => ({ ...it, tags: it.tags })),
          editorial: editorial.map((e) => ({ surface: e.surface, itemId: e.itemId, position: e.position })),
        });
        imported += result.itemsUpserted;
      }
      progress(`${tenantId}: ${imported} catalog items`);

      const users = data.users.filter((u) => u.tenantId === tenantId);
      let consents = 0;
      for (let i = 0; i < users.length; i += CONSENT_CONCURRENCY) {
        await Promise.all(
          users.slice(i, i + CONSENT_CONCURRENCY).map(async (u) => {
            await consent.setConsent({
              tenantId,
              userId: u.userId,
              source: 'demo_data',
              grants: [
                { purpose: Purpose.PERSONALIZATION, granted: u.consentPersonalization },
                { purpose: Purpose.BEHAVIORAL_TRAINING, granted: u.consentTraining },
              ],
            });
            consents += 1;
          }),
        );
      }
      progress(`${tenantId}: ${consents} consent records`);

      const events = data.events.filter((e) => e.tenantId === tenantId).sort((a, b) => a.timestampMs - b.timestampMs);
      let accepted = 0;
      let storedPersonal = 0;
      for (let i = 0; i < events.length; i += EVENT_BATCH) {
        const batch = events.slice(i, i + EVENT_BATCH).map((e) => ({ ...e, anonymousId: '' }));
        const result = await withRetry(() => features.ingestEvents({ events: batch }));
        accepted += result.accepted;
        storedPersonal += result.storedPersonal;
        if (result.rejected > 0) throw new Error(`${tenantId}: ${result.rejected} demo events rejected: ${result.rejections[0]?.reason}`);
      }
      progress(`${tenantId}: ${accepted} events accepted, ${storedPersonal} stored as personal behaviour`);

      const refreshed = await features.refreshAggregates({ tenantId });
      progress(
        `${tenantId}: ${refreshed.popularityRows} popularity rows, ${refreshed.neighborPairs} co-occurrence pairs (k=${refreshed.minUsers})`,
      );
      reports.push({
        tenant: tenantId,
        items: imported,
        consents,
        eventsAccepted: accepted,
        eventsStoredPersonal: storedPersonal,
        popularityRows: refreshed.popularityRows,
        neighborPairs: refreshed.neighborPairs,
      });
    }
    return reports;
  } finally {
    consent.close();
    features.close();
  }
}

/** Retries a call refused with UNAVAILABLE (nothing was stored; the service asks the producer to retry). */
async function withRetry<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if ((error as { code?: number }).code !== status.UNAVAILABLE || attempt >= RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
}
