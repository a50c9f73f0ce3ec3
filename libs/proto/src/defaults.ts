import { FeatureValue, Purpose } from './generated/recsys/v1/common';
import { GetFeatureBatchRequest, GetFeaturesRequest } from './generated/recsys/v1/feature';
import { RankRequest } from './generated/recsys/v1/ranker';

/*
 * Complete request messages from the fields a caller sets: typed clients need every field, and a field added to
 * the contract then needs one default here instead of an edit at every call site.
 */

export function getFeaturesRequest(
  fields: Partial<GetFeaturesRequest> & Pick<GetFeaturesRequest, 'tenantId' | 'featureSet'>,
): GetFeaturesRequest {
  return {
    purpose: Purpose.PERSONALIZATION,
    itemIds: [],
    region: '',
    deviceType: '',
    localHour: -1,
    seedItemId: '',
    query: '',
    candidateLimit: 0,
    columnar: false,
    rankedLists: false,
    itemsFromFeatures: [],
    textDictionaries: false,
    ...fields,
  };
}

export function getFeatureBatchRequest(
  requests: GetFeaturesRequest[],
  fields: Partial<Omit<GetFeatureBatchRequest, 'requests'>> = {},
): GetFeatureBatchRequest {
  return { requests, rankedRows: false, ...fields };
}

export function rankRequest(fields: Partial<RankRequest> & Pick<RankRequest, 'tenantId' | 'mode'>): RankRequest {
  return {
    surface: 'home',
    candidates: [],
    userFeatures: {},
    contextFeatures: {},
    candidateTable: undefined,
    candidateSourceScores: {},
    candidateSources: [],
    weightMultipliers: {},
    topN: 0,
    rankedColumns: false,
    ...fields,
  };
}

export function featureValue(fields: Partial<FeatureValue> = {}): FeatureValue {
  return { number: 0, text: '', vector: [], weights: {}, rankedItemIds: [], rankedScores: [], rankedRows: [], ...fields };
}
