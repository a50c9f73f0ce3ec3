import { FeatureServiceClient } from '@recsys/proto';
import { createGrpcClient } from '@recsys/service-kit';
import { Stack } from './stack';

/**
 * Trains the tenants' models with feature-gateway's training job, then asks feature-gateway to reload their
 * snapshots (RefreshAggregates), so the new models serve at once instead of on the next periodic reload.
 */
export async function trainTenants(stack: Stack, tenants: string[]): Promise<Record<string, unknown>[]> {
  // One job process per tenant, side by side: training is CPU-bound and single-threaded.
  const summaries = (await Promise.all(tenants.map((tenant) => stack.train([tenant])))).flat();
  const features = createGrpcClient<FeatureServiceClient>('FeatureService', stack.address('feature-gateway'), 60_000);
  try {
    for (const tenantId of tenants) await features.refreshAggregates({ tenantId });
  } finally {
    features.close();
  }
  return summaries;
}
