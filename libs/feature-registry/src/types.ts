/**
 * The schema of the registry files (registry/*.yaml). Spelling follows the files: snake_case, lower-case
 * modes and purposes, as the seed writes them (§6, §10).
 */

/** The eight data classes of seed §9; they drive access, retention, logging and model use. */
export const PRIVACY_CLASSES = [
  'public_catalog',
  'aggregate_non_personal',
  'behavioral_personal',
  'sensitive_personal',
  'tenant_confidential',
  'security_sensitive',
  'payment_financial_sensitive',
  'health_legal_high_risk',
] as const;
export type PrivacyClass = (typeof PRIVACY_CLASSES)[number];

export const REGISTRY_MODES = ['personalized', 'contextual_only', 'non_personalized'] as const;
export type RegistryMode = (typeof REGISTRY_MODES)[number];

export const REGISTRY_PURPOSES = ['personalization', 'behavioral_training', 'ads_personalization', 'quality_monitoring'] as const;
export type RegistryPurpose = (typeof REGISTRY_PURPOSES)[number];

/** `session`: state of the current anonymous visit (short-lived, Redis only); `context`: the request itself. */
export const ENTITIES = ['user', 'item', 'region', 'context', 'session'] as const;
export type EntityName = (typeof ENTITIES)[number];

export const VALUE_TYPES = ['number', 'text', 'vector', 'weights'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

export const DEBUG_VISIBILITIES = ['visible', 'restricted', 'hidden'] as const;
export type DebugVisibility = (typeof DEBUG_VISIBILITIES)[number];

/** A recorded approval of a sensitive-inference feature for personalization (§11, §33). */
export interface FeatureApproval {
  approved_by: string;
  approved_at: string;
  ticket: string;
}

export interface FeatureDefinition {
  name: string;
  entity: EntityName;
  value_type: ValueType;
  privacy_class: PrivacyClass;
  allowed_privacy_modes: RegistryMode[];
  allowed_purposes: RegistryPurpose[];
  prohibited_purposes: RegistryPurpose[];
  retention_days: number;
  /** The purpose whose consent must be granted, or `none`. */
  requires_consent: RegistryPurpose | 'none';
  debug_visibility: DebugVisibility;
  sensitive_inference: boolean;
  owner: string;
  description: string;
  approval?: FeatureApproval;
  /**
   * Features this one is computed from. A derived feature can be no more permissive than any input: its modes
   * and purposes must be allowed by each input, it prohibits what they prohibit and requires their consent.
   * The gateway computes it only when every input passes the access policy too.
   */
  derived_from?: string[];
}

export interface FeatureSetDefinition {
  name: string;
  /** Every mode the set may be requested in; each feature must allow each of them. */
  allowed_privacy_modes: RegistryMode[];
  purpose: RegistryPurpose;
  features: string[];
  owner: string;
  description: string;
}

export interface CandidateSourceDefinition {
  name: string;
  requires_personal_data: boolean;
  allowed_privacy_modes: RegistryMode[];
  requires_consent: RegistryPurpose | 'none';
  /** The feature set the source reads its data through. */
  feature_set: string;
  /** True when the source reads anonymous session state: it then also needs the tenant's session policy. */
  uses_session_state?: boolean;
  owner: string;
  description: string;
}

export interface RankingRouteDefinition {
  name: string;
  mode: RegistryMode;
  surface: string;
  feature_set: string;
  /**
   * The features of the set that the route actually uses (the model's inputs and the serving path's business
   * rules). Anything else fetched for the route is an unused fetch, counted by feature-gateway.
   */
  consumed_features: string[];
  /** Path of the model file, relative to the repository root. */
  model: string;
  owner: string;
  description: string;
}

export interface Registry {
  /** The folder the registry was loaded from. */
  dir: string;
  features: ReadonlyMap<string, FeatureDefinition>;
  featureSets: ReadonlyMap<string, FeatureSetDefinition>;
  sources: ReadonlyMap<string, CandidateSourceDefinition>;
  routes: ReadonlyMap<string, RankingRouteDefinition>;
}

/** One problem found in a registry file, with where it is. */
export interface RegistryIssue {
  file: string;
  line: number;
  message: string;
}

/** Why a feature or source was withheld (a code, never data). */
export type WithheldReason =
  'UNKNOWN_FEATURE' | 'MODE_NOT_ALLOWED' | 'PURPOSE_NOT_ALLOWED' | 'PURPOSE_PROHIBITED' | 'CONSENT_MISSING' | 'SESSION_POLICY_DENIED';

export type AccessDecision = { allowed: true } | { allowed: false; reason: WithheldReason };
