import { FeatureServiceClient } from '@recsys/proto';
import { createGrpcClient } from '@recsys/service-kit';
import { Stack } from './stack';

/**
 * Trains the tenants' models with feature-gateway's training job, then asks feature-gateway to reload their
 * snapshots (RefreshAggregates), so the new models serve at once instead of on the next periodic reload.
 */
export async function trainTenants(stack: Stack, tenants: string[]): Promise<Record<string, unknown>[]> {
  const summaries = await stack.train(tenants);
  const features = createGrpcClient<FeatureServiceClient>('FeatureService', stack.address('feature-gateway'), 60_000);
  try {
    for (const tenantId of tenants) await features.refreshAggregates({ tenantId });
  } finally {
    features.close();
  }
  return summaries;
}
