import { PrivacyMode, Purpose, ServedMode } from './privacy-mode';

/**
 * What the platform may do with one request's subject. Created once by the orchestrator from consent-service's
 * answer, signed, and carried in gRPC metadata to every downstream call.
 */
export interface PrivacyContext {
  tenantId: string;
  /** Pseudonymous subject id (keyed HMAC per tenant); empty for a fully anonymous request. */
  subjectPid: string;
  mode: ServedMode;
  /** Purposes granted and usable for this request. */
  purposes: Purpose[];
  consentVersion: string;
  policyVersion: string;
  requestId: string;
  issuedAtMs: number;
  expiresAtMs: number;
  /** Why the mode is stricter than consent alone would allow, if it is. */
  fallbackReason?: string;
}

/** True only when the context allows personal data to be used for personalization. */
export function personalizationAllowed(ctx: Pick<PrivacyContext, 'mode' | 'purposes'>): boolean {
  return ctx.mode === PrivacyMode.PERSONALIZED && ctx.purposes.includes(Purpose.PERSONALIZATION);
}

/**
 * The fail-safe context a downstream service uses when the one it received is missing, expired or forged:
 * nothing personal, no purposes, no subject.
 */
export function nonPersonalizedContext(tenantId: string, reason: string, now = Date.now()): PrivacyContext {
  return {
    tenantId,
    subjectPid: '',
    mode: PrivacyMode.NON_PERSONALIZED,
    purposes: [],
    consentVersion: '0',
    policyVersion: '',
    requestId: '',
    issuedAtMs: now,
    expiresAtMs: now,
    fallbackReason: reason,
  };
}
