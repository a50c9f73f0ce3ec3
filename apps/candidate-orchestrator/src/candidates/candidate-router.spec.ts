import { defaultConfigDir, loadRegistry, loadSurfaces, SessionPolicy, SurfaceConfig } from '@recsys/feature-registry';
import { PrivacyContext, PrivacyMode, Purpose, ServedMode } from '@recsys/privacy-context';
import { CandidateList, CandidateSource } from './candidate-source';
import { CandidateRouter } from './candidate-router';
import { KillSwitches, parseKillSwitches } from './kill-switches';
import { ServiceMetrics } from '@recsys/service-kit';
import pino from 'pino';

const registry = loadRegistry();
const surfaces = loadSurfaces(defaultConfigDir(), registry);
const home = surfaces.get('home')!;

/** A source that must never be called by the router: it only decides, the orchestrator calls. */
function fakeSource(name: string): CandidateSource & { request: jest.Mock; candidates: jest.Mock<CandidateList> } {
  return {
    name,
    listFeature: `${name}_items`,
    request: jest.fn(() => undefined),
    candidates: jest.fn(() => ({ source: name, itemIds: [], scores: [] })),
  };
}

const ALL = [...registry.sources.keys()];
const ALLOW_SESSIONS = new SessionPolicy(true, new Map());
/** Kill switches from DISABLED_SOURCES only (no file). */
const switches = (disabled: string) =>
  new KillSwitches(
    parseKillSwitches(disabled, new Set(ALL)),
    '',
    1000,
    new Set(ALL),
    new ServiceMetrics('test'),
    pino({ level: 'silent' }),
  );

function sources(names = ALL): Map<string, CandidateSource> {
  return new Map(names.map((n) => [n, fakeSource(n)]));
}

function ctx(mode: ServedMode, purposes: Purpose[] = [Purpose.PERSONALIZATION], tenantId = 'acme'): PrivacyContext {
  return {
    tenantId,
    subjectPid: 'u_x',
    mode,
    purposes,
    consentVersion: '1',
    policyVersion: 'p',
    requestId: 'r',
    issuedAtMs: 0,
    expiresAtMs: 1,
  };
}

const names = (list: CandidateSource[]) => list.map((s) => s.name);

describe(CandidateRouter.name, () => {
  it('runs user_cf for a PERSONALIZED context with the PERSONALIZATION purpose', () => {
    const routed = new CandidateRouter(registry, sources(), switches(''), ALLOW_SESSIONS).route(home, ctx(PrivacyMode.PERSONALIZED));
    expect(names(routed.run)).toEqual(home.sources.personalized);
    expect(names(routed.run)).toEqual(expect.arrayContaining(['user_cf', 'user_two_tower', 'session_intent']));
    expect(routed.skipped).toEqual([]);
  });

  it('skips user_cf in PERSONALIZED mode without the PERSONALIZATION purpose, with the reason', () => {
    const routed = new CandidateRouter(registry, sources(), switches(''), ALLOW_SESSIONS).route(
      home,
      ctx(PrivacyMode.PERSONALIZED, [Purpose.QUALITY_MONITORING]),
    );
    expect(names(routed.run)).not.toContain('user_cf');
    expect(routed.skipped).toEqual([
      { name: 'user_cf', reason: 'CONSENT_MISSING' },
      { name: 'user_two_tower', reason: 'CONSENT_MISSING' },
    ]);
  });

  it.each([PrivacyMode.CONTEXTUAL_ONLY, PrivacyMode.NON_PERSONALIZED] as const)('never runs a personal source in %s', (mode) => {
    const routed = new CandidateRouter(registry, sources(), switches(''), ALLOW_SESSIONS).route(home, ctx(mode));
    expect(names(routed.run)).not.toContain('user_cf');
    expect(names(routed.run)).not.toContain('user_two_tower');
    expect(names(routed.run).length).toBeGreaterThan(0);
  });

  it('routes exactly the surface’s non-personal sources in NON_PERSONALIZED', () => {
    const routed = new CandidateRouter(registry, sources(), switches(''), ALLOW_SESSIONS).route(
      home,
      ctx(PrivacyMode.NON_PERSONALIZED, []),
    );
    expect(names(routed.run)).toEqual(home.sources.non_personalized);
  });

  it('refuses user_cf outside PERSONALIZED even when a surface wrongly lists it there', () => {
    const misconfigured: SurfaceConfig = {
      ...home,
      sources: {
        ...home.sources,
        contextual_only: ['user_cf', 'trending_region'],
        non_personalized: ['user_cf', 'item_to_item', 'editorial'],
      },
    };
    const router = new CandidateRouter(registry, sources(), switches(''), ALLOW_SESSIONS);
    const contextual = router.route(misconfigured, ctx(PrivacyMode.CONTEXTUAL_ONLY));
    expect(names(contextual.run)).toEqual(['trending_region']);
    expect(contextual.skipped).toEqual([{ name: 'user_cf', reason: 'MODE_NOT_ALLOWED' }]);
    const nonPersonal = router.route(misconfigured, ctx(PrivacyMode.NON_PERSONALIZED));
    expect(names(nonPersonal.run)).toEqual(['editorial']);
    expect(nonPersonal.skipped).toEqual([
      { name: 'user_cf', reason: 'MODE_NOT_ALLOWED' },
      { name: 'item_to_item', reason: 'MODE_NOT_ALLOWED' },
    ]);
  });

  it('disables a source everywhere with the kill switch "user_cf"', () => {
    const routed = new CandidateRouter(registry, sources(), switches(' editorial , user_cf '), ALLOW_SESSIONS).route(
      home,
      ctx(PrivacyMode.PERSONALIZED),
    );
    expect(names(routed.run)).toEqual(home.sources.personalized.filter((n) => n !== 'user_cf' && n !== 'editorial'));
    expect(routed.skipped).toEqual([
      { name: 'user_cf', reason: 'KILL_SWITCH' },
      { name: 'editorial', reason: 'KILL_SWITCH' },
    ]);
  });

  it('disables a source for one tenant only with the kill switch "<tenant>/user_cf"', () => {
    const router = new CandidateRouter(registry, sources(), switches('acme/user_cf'), ALLOW_SESSIONS);
    const acme = router.route(home, ctx(PrivacyMode.PERSONALIZED, [Purpose.PERSONALIZATION], 'acme'));
    expect(names(acme.run)).not.toContain('user_cf');
    expect(acme.skipped).toEqual([{ name: 'user_cf', reason: 'KILL_SWITCH' }]);
    const globex = router.route(home, ctx(PrivacyMode.PERSONALIZED, [Purpose.PERSONALIZATION], 'globex'));
    expect(names(globex.run)).toContain('user_cf');
  });

  it('skips session_intent for a tenant whose session policy denies it, and only there', () => {
    const policy = new SessionPolicy(true, new Map([['acme', false]]));
    const router = new CandidateRouter(registry, sources(), switches(''), policy);
    const acme = router.route(home, ctx(PrivacyMode.CONTEXTUAL_ONLY, [], 'acme'));
    expect(names(acme.run)).not.toContain('session_intent');
    expect(acme.skipped).toEqual([{ name: 'session_intent', reason: 'SESSION_POLICY_DENIED' }]);
    expect(names(router.route(home, ctx(PrivacyMode.CONTEXTUAL_ONLY, [], 'globex')).run)).toContain('session_intent');
  });

  it('never runs session_intent in NON_PERSONALIZED, even when a surface lists it there', () => {
    const misconfigured: SurfaceConfig = { ...home, sources: { ...home.sources, non_personalized: ['session_intent', 'editorial'] } };
    const routed = new CandidateRouter(registry, sources(), switches(''), ALLOW_SESSIONS).route(
      misconfigured,
      ctx(PrivacyMode.NON_PERSONALIZED),
    );
    expect(names(routed.run)).toEqual(['editorial']);
    expect(routed.skipped).toEqual([{ name: 'session_intent', reason: 'MODE_NOT_ALLOWED' }]);
  });

  it('skips a listed source that has no implementation', () => {
    const routed = new CandidateRouter(registry, sources(['trending_region']), switches(''), ALLOW_SESSIONS).route(
      home,
      ctx(PrivacyMode.NON_PERSONALIZED),
    );
    expect(names(routed.run)).toEqual(['trending_region']);
    expect(routed.skipped).toEqual([{ name: 'editorial', reason: 'NOT_IMPLEMENTED' }]);
  });

  it('only decides: it calls no source', () => {
    const all = sources();
    new CandidateRouter(registry, all, switches(''), ALLOW_SESSIONS).route(home, ctx(PrivacyMode.PERSONALIZED));
    for (const source of all.values()) {
      expect((source as ReturnType<typeof fakeSource>).request).not.toHaveBeenCalled();
      expect((source as ReturnType<typeof fakeSource>).candidates).not.toHaveBeenCalled();
    }
  });

  it('gates what an experiment variant adds like any other source: a variant cannot widen a mode', () => {
    const router = new CandidateRouter(registry, sources(), switches(''), ALLOW_SESSIONS);
    // A change that slipped past the config check (or was built in code) still cannot run personal sources.
    const widening = { add_sources: ['user_cf', 'user_two_tower'], remove_sources: ['editorial'], source_weights: {}, ranking_weights: {} };
    for (const mode of [PrivacyMode.CONTEXTUAL_ONLY, PrivacyMode.NON_PERSONALIZED] as const) {
      const routed = router.route(home, ctx(mode, []), widening);
      expect(names(routed.run)).not.toContain('user_cf');
      expect(names(routed.run)).not.toContain('user_two_tower');
      expect(names(routed.run)).not.toContain('editorial');
      expect(routed.skipped.map((s) => s.name)).toEqual(expect.arrayContaining(['user_cf', 'user_two_tower']));
    }
    // In PERSONALIZED mode with the purpose granted, the same change applies.
    const personal = router.route(home, ctx(PrivacyMode.PERSONALIZED), {
      add_sources: [],
      remove_sources: ['user_cf'],
      source_weights: {},
      ranking_weights: {},
    });
    expect(names(personal.run)).not.toContain('user_cf');
    expect(names(personal.run)).toContain('user_two_tower');
  });
});
