import { createHash } from 'node:crypto';
import { activeExperiment, assignVariant, Experiment, ExperimentVariant, VariantChange } from '@recsys/feature-registry';
import { modeRegistryName, PrivacyContext } from '@recsys/privacy-context';

/** A request's place in an experiment. */
export interface Assignment {
  experiment: Experiment;
  variant: ExperimentVariant;
  /** The variant's change for the served mode (none when the variant changes nothing there). */
  change?: VariantChange;
  /** The cache-key part: answers of different variants never share an entry. */
  cacheVariant: string;
  /** The pseudonymous subject when their consent covers the experiment's purpose; '' otherwise. */
  exposureSubject: string;
}

/**
 * Assigns requests to the running experiment of their tenant's surface (seed §29). The unit is the pseudonymous
 * subject (`u_…`, or `a_…` for an anonymous visitor), else a one-way hash of the session id; never a raw id. A
 * request without either is not assigned. The change applied is the variant's change *for the mode already
 * served*: a subject who turned personalization off is still assigned, but only a contextual change can reach
 * them, and the router gates the result again (no variant can widen a mode).
 */
export class ExperimentAssigner {
  constructor(private readonly experiments: readonly Experiment[]) {}

  get count(): number {
    return this.experiments.length;
  }

  assign(ctx: PrivacyContext, surface: string, sessionId: string, nowMs = Date.now()): Assignment | undefined {
    const experiment = activeExperiment(this.experiments, ctx.tenantId, surface, nowMs);
    if (!experiment) return undefined;
    const unit = ctx.subjectPid || (sessionId ? sessionUnit(ctx.tenantId, sessionId) : '');
    if (!unit) return undefined;
    const variant = assignVariant(experiment, unit);
    const purposeGranted = ctx.purposes.some((p) => String(p).toLowerCase() === experiment.purpose);
    return {
      experiment,
      variant,
      change: variant.changes[modeRegistryName(ctx.mode)],
      cacheVariant: `${experiment.name}.${variant.name}`,
      exposureSubject: purposeGranted ? ctx.subjectPid : '',
    };
  }
}

/** A session's assignment unit: a one-way hash, so the raw session id is neither stored nor compared. */
export function sessionUnit(tenantId: string, sessionId: string): string {
  return `s_${createHash('sha256').update(`experiment-session\u0000${tenantId}\u0000${sessionId}`).digest('base64url').slice(0, 22)}`;
}
