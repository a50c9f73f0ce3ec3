import { Registry, SessionPolicy, sourceAllowed, SurfaceConfig, VariantChange } from '@recsys/feature-registry';
import { modeRegistryName, PrivacyContext } from '@recsys/privacy-context';
import { CandidateSource } from './candidate-source';
import { KillSwitches } from './kill-switches';

export interface RoutedSources {
  run: CandidateSource[];
  /** Sources the surface lists for the mode that were not run, and why (for metrics and debugging). */
  skipped: { name: string; reason: string }[];
}

/**
 * The privacy-aware candidate router (seed §48): a source runs only when the surface lists it for the served
 * mode, the registry allows it for this privacy context, no kill switch disables it, and — for a source reading
 * anonymous session state — the tenant's session policy allows it. A disallowed source
 * is never called — not called and discarded.
 */
export class CandidateRouter {
  constructor(
    private readonly registry: Registry,
    private readonly sources: Map<string, CandidateSource>,
    private readonly killSwitches: Pick<KillSwitches, 'disables' | 'fingerprint'>,
    private readonly sessionPolicy: SessionPolicy,
  ) {}

  /** The kill switches in force (for cache keys: an answer computed before a switch is not served after it). */
  get disabledSources(): string {
    return this.killSwitches.fingerprint;
  }

  /**
   * The sources to run. An experiment variant's change (for the served mode) adds or removes sources *before*
   * the gates, so every source it adds passes the same registry, consent, kill-switch and session checks as any
   * other: a variant cannot widen what the privacy context allows.
   */
  route(surface: SurfaceConfig, ctx: PrivacyContext, change?: VariantChange): RoutedSources {
    const run: CandidateSource[] = [];
    const skipped: RoutedSources['skipped'] = [];
    const listed = surface.sources[modeRegistryName(ctx.mode)].filter((name) => !change?.remove_sources.includes(name));
    for (const name of [...new Set([...listed, ...(change?.add_sources ?? [])])]) {
      const definition = this.registry.sources.get(name);
      const source = this.sources.get(name);
      if (!definition || !source) {
        skipped.push({ name, reason: 'NOT_IMPLEMENTED' });
        continue;
      }
      if (this.killSwitches.disables(ctx.tenantId, name)) {
        skipped.push({ name, reason: 'KILL_SWITCH' });
        continue;
      }
      if (definition.uses_session_state && !this.sessionPolicy.allows(ctx.tenantId)) {
        skipped.push({ name, reason: 'SESSION_POLICY_DENIED' });
        continue;
      }
      const decision = sourceAllowed(definition, ctx);
      if (!decision.allowed) {
        skipped.push({ name, reason: decision.reason });
        continue;
      }
      run.push(source);
    }
    return { run, skipped };
  }
}
