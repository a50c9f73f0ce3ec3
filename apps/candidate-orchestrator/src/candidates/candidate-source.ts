import { Metadata } from '@grpc/grpc-js';
import { PrivacyContext } from '@recsys/privacy-context';
import { FeatureServiceClient, GetFeaturesRequest, GetFeaturesResponse, getFeaturesRequest } from '@recsys/proto';
import { UnaryClient } from '@recsys/service-kit';
import { RecommendCommand } from '../recommend/recommend.command';

export interface Candidate {
  itemId: string;
  /** 0..1 within the source. */
  score: number;
  source: string;
}

export interface SourceRequest {
  command: RecommendCommand;
  privacy: PrivacyContext;
  metadata: Metadata;
  limit: number;
  timeoutMs: number;
  /** Collects the features feature-gateway served to the sources (they are part of the privacy decision). */
  served: Set<string>;
}

/** A candidate source: a registry name and a way to propose items. It never decides whether it may run. */
export interface CandidateSource {
  readonly name: string;
  generate(request: SourceRequest): Promise<Candidate[]>;
}

export type FeatureClient = Pick<UnaryClient<FeatureServiceClient>, 'getFeatures'>;

/** A GetFeatures call for a source's registry feature set, with the privacy context in metadata. */
export async function fetchSourceFeatures(
  client: FeatureClient,
  request: SourceRequest,
  featureSet: string,
  extra: Partial<GetFeaturesRequest> = {},
): Promise<GetFeaturesResponse> {
  const reply = await client.getFeatures(
    getFeaturesRequest({
      tenantId: request.command.tenantId,
      featureSet,
      region: request.command.region,
      deviceType: request.command.deviceType,
      localHour: request.command.localHour,
      ...extra,
    }),
    { metadata: request.metadata, timeoutMs: request.timeoutMs },
  );
  for (const name of reply.served) request.served.add(name);
  return reply;
}

/** The top `limit` entries of a weight map as candidates, scores scaled to 0..1. */
export function topCandidates(
  weights: Record<string, number>,
  source: string,
  limit: number,
  exclude: Set<string> = new Set(),
): Candidate[] {
  const entries = Object.entries(weights).filter(([id, w]) => w > 0 && !exclude.has(id));
  entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const top = entries.slice(0, limit);
  const max = top[0]?.[1] ?? 1;
  return top.map(([itemId, w]) => ({ itemId, score: w / max, source }));
}
