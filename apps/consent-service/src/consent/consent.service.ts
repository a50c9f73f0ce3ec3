import { Purpose } from '@recsys/privacy-context';
import { KeySpace, privacyContextCacheKey, Pseudonymizer } from '@recsys/tenant-keys';
import { AuditSink, CacheStore, InvalidationBus, AppError, ServiceMetrics } from '@recsys/service-kit';
import { ConsentState, PrivacyContextReply, UserControl, UserControlResult } from '@recsys/proto';
import { ConsentChange, ConsentRepository, NO_CONSENT, StoredConsent } from './consent.repository';
import { PrivacyContextQuery, SetConsentCommand, UserControlCommand } from './consent.commands';
import { resolvePrivacy } from './privacy-resolution';
import { ControlPropagator } from '../controls/control-propagator';
import { DeletionRepository } from '../deletion/deletion.repository';

export interface ConsentServiceDeps {
  repository: ConsentRepository;
  cache: CacheStore;
  bus: InvalidationBus;
  pseudonymizer: Pseudonymizer;
  audit: AuditSink;
  metrics: ServiceMetrics;
  keySpace: KeySpace;
  policyVersion: string;
  cacheTtlSeconds: number;
  propagator: Pick<ControlPropagator, 'propagate'>;
  deletions: Pick<DeletionRepository, 'deleted'>;
}

/** Consent, privacy-context resolution and user controls. The only writer of the consent schema. */
export class ConsentService {
  private readonly cacheHits;
  private readonly resolutions;

  constructor(private readonly deps: ConsentServiceDeps) {
    this.cacheHits = deps.metrics.counter('consent_cache_lookups_total', 'Consent state lookups by cache outcome.', ['outcome']);
    this.resolutions = deps.metrics.counter('privacy_context_resolutions_total', 'Resolved privacy contexts by mode.', ['mode']);
  }

  async setConsent(cmd: SetConsentCommand): Promise<ConsentState> {
    const pid = this.deps.pseudonymizer.userPid(cmd.tenantId, cmd.userId);
    const { state } = await this.change(
      cmd.tenantId,
      pid,
      { change: 'set_consent', source: cmd.source, grants: cmd.grants },
      'consent.set',
    );
    return {
      tenantId: cmd.tenantId,
      userId: cmd.userId,
      grants: Object.entries(state.grants).map(([purpose, granted]) => ({ purpose: purpose as Purpose, granted: granted === true })),
      consentVersion: state.consentVersion,
    };
  }

  async getPrivacyContext(q: PrivacyContextQuery): Promise<PrivacyContextReply> {
    const signedIn = q.userId !== '';
    const pid = signedIn
      ? this.deps.pseudonymizer.userPid(q.tenantId, q.userId)
      : q.anonymousId
        ? this.deps.pseudonymizer.anonymousPid(q.tenantId, q.anonymousId)
        : '';
    const stored = signedIn ? await this.loadCached(q.tenantId, pid) : NO_CONSENT;
    const resolution = resolvePrivacy({
      stored,
      signedIn,
      requestedMode: q.requestedMode,
      globalPrivacyControl: q.globalPrivacyControl,
    });
    this.resolutions.inc({ mode: resolution.mode });
    return {
      mode: resolution.mode,
      grantedPurposes: resolution.purposes,
      consentVersion: stored.consentVersion,
      policyVersion: this.deps.policyVersion,
      resolvedAtMs: Date.now(),
      subjectPid: pid,
      reason: resolution.reason,
      hiddenItemIds: stored.hiddenItemIds,
      blockedCreatorIds: stored.blockedCreatorIds,
      lessLikeItemIds: stored.lessLikeItemIds,
    };
  }

  /** Batch form of the personalization decision, for ingestion: one query for a whole batch of subjects. */
  async checkPersonalizationConsent(tenantId: string, userIds: string[]): Promise<boolean[]> {
    const pids = userIds.map((id) => this.deps.pseudonymizer.userPid(tenantId, id));
    const allowed = await this.deps.repository.personalizable(tenantId, [...new Set(pids)]);
    return pids.map((pid) => allowed.has(pid));
  }

  /**
   * Training eligibility of many subjects (seed §17): only an explicit BEHAVIORAL_TRAINING grant counts, and a
   * subject with a deletion request never does (the deletion's tombstone is the exclusion list).
   */
  async checkTrainingConsent(
    tenantId: string,
    subjectPids: string[],
  ): Promise<{ trainable: string[]; deleted: string[]; snapshot: string }> {
    const unique = [...new Set(subjectPids)];
    const [trainable, { deleted, snapshot }] = await Promise.all([
      this.deps.repository.trainable(tenantId, unique),
      this.deps.deletions.deleted(tenantId, unique),
    ]);
    return {
      trainable: subjectPids.filter((pid) => trainable.has(pid) && !deleted.has(pid)),
      deleted: subjectPids.filter((pid) => deleted.has(pid)),
      snapshot,
    };
  }

  async applyUserControl(cmd: UserControlCommand): Promise<UserControlResult> {
    const pid = this.deps.pseudonymizer.userPid(cmd.tenantId, cmd.userId);
    const change = this.controlChange(cmd);
    const { state, propagated } = await this.change(cmd.tenantId, pid, change, 'user_control.applied', cmd.control);
    return { control: cmd.control, applied: true, consentVersion: state.consentVersion, propagated };
  }

  private controlChange(cmd: UserControlCommand): ConsentChange {
    const base = { change: cmd.control, source: 'user_control' };
    switch (cmd.control) {
      case UserControl.TURN_OFF_PERSONALIZATION:
        return { ...base, personalizationOff: true };
      case UserControl.TURN_ON_PERSONALIZATION:
        return { ...base, personalizationOff: false };
      case UserControl.HIDE_ITEM:
        return { ...base, suppress: { kind: 'item', targetId: cmd.targetId } };
      case UserControl.BLOCK_CREATOR:
        return { ...base, suppress: { kind: 'creator', targetId: cmd.targetId } };
      case UserControl.OPT_OUT_TRAINING:
        return { ...base, grants: [{ purpose: Purpose.BEHAVIORAL_TRAINING, granted: false }] };
      case UserControl.LESS_LIKE_THIS:
        return { ...base, suppress: { kind: 'less_like_item', targetId: cmd.targetId } };
      case UserControl.CLEAR_HISTORY:
        return { ...base, propagate: 'CLEAR_HISTORY' };
      case UserControl.RESET_PROFILE:
        // The profile is the behaviour and the less-like-this marks; hidden items and blocked creators are
        // explicit choices and stay.
        return { ...base, propagate: 'RESET_PROFILE', unsuppress: ['less_like_item'] };
      default:
        throw new AppError('INVALID_ARGUMENT', 'unknown control');
    }
  }

  /** Applies a change; on an effective change drops every cached view of the subject in every process. */
  /**
   * Applies a change; on an effective change carries a queued control to the other stores (before the
   * invalidation, so no replica recomputes from data about to be purged), then drops every cached view of the
   * subject in every process and audits it.
   */
  private async change(
    tenantId: string,
    pid: string,
    change: ConsentChange,
    action: string,
    reason = '',
  ): Promise<{ state: StoredConsent; propagated: boolean }> {
    const { state, changed, propagationId } = await this.deps.repository.apply(tenantId, pid, change);
    const propagated = propagationId ? await this.deps.propagator.propagate(tenantId, propagationId) : true;
    if (changed) {
      await this.deps.cache.delete(privacyContextCacheKey(this.deps.keySpace, tenantId, pid));
      await this.deps.bus.publish({ tenantId, subjectPid: pid, consentVersion: state.consentVersion, reason: change.change });
      this.deps.audit.record({
        tenantId,
        actor: '',
        action,
        target: pid,
        reason: reason || change.change,
        requestId: '',
        details: {
          consentVersion: state.consentVersion,
          source: change.source,
          grants: change.grants,
          personalizationOff: change.personalizationOff,
          propagated,
        },
      });
    }
    return { state, propagated };
  }

  private async loadCached(tenantId: string, pid: string): Promise<StoredConsent> {
    const key = privacyContextCacheKey(this.deps.keySpace, tenantId, pid);
    const cached = await this.deps.cache.get(key).catch(() => undefined);
    if (cached) {
      this.cacheHits.inc({ outcome: 'hit' });
      return JSON.parse(cached) as StoredConsent;
    }
    this.cacheHits.inc({ outcome: 'miss' });
    const stored = await this.deps.repository.load(tenantId, pid);
    await this.deps.cache.set(key, JSON.stringify(stored), this.deps.cacheTtlSeconds).catch(() => undefined);
    return stored;
  }

  /** Drops a subject's cached consent state (invalidation from another replica). */
  async forget(tenantId: string, pid: string): Promise<void> {
    await this.deps.cache.delete(privacyContextCacheKey(this.deps.keySpace, tenantId, pid));
  }
}
