import { Experiment } from '@recsys/feature-registry';
import { PrivacyContext, PrivacyMode, Purpose, ServedMode } from '@recsys/privacy-context';
import { ExperimentAssigner, sessionUnit } from './experiment-assigner';

const NOW = Date.UTC(2026, 11, 1);
const experiment: Experiment = {
  name: 'home_test',
  tenant: 'acme',
  surface: 'home',
  owner: 'growth',
  purpose: 'quality_monitoring',
  startMs: NOW - 1000,
  endMs: NOW + 1000,
  salt: 'salt-of-home-test',
  variants: [
    { name: 'control', traffic: 50, changes: {} },
    {
      name: 'treatment',
      traffic: 50,
      changes: {
        personalized: { add_sources: [], remove_sources: ['user_cf'], source_weights: {}, ranking_weights: {} },
        contextual_only: { add_sources: [], remove_sources: [], source_weights: { trending_region: 2 }, ranking_weights: {} },
      },
    },
  ],
};
const ctx = (subjectPid: string, mode: ServedMode, purposes: Purpose[]): PrivacyContext => ({
  tenantId: 'acme',
  subjectPid,
  mode,
  purposes,
  consentVersion: '1',
  policyVersion: 'p',
  requestId: 'r',
  issuedAtMs: 0,
  expiresAtMs: 1,
});

describe(ExperimentAssigner.name, () => {
  const assigner = new ExperimentAssigner([experiment]);
  const subjects = Array.from({ length: 200 }, (_, i) => `u_${String(i).padStart(22, 'q')}`);

  it('assigns a subject the same variant in every mode, but applies only the change for the served mode', () => {
    for (const pid of subjects) {
      const personal = assigner.assign(ctx(pid, PrivacyMode.PERSONALIZED, [Purpose.PERSONALIZATION]), 'home', '', NOW)!;
      const off = assigner.assign(ctx(pid, PrivacyMode.CONTEXTUAL_ONLY, []), 'home', '', NOW)!;
      expect(off.variant.name).toBe(personal.variant.name);
      expect(off.cacheVariant).toBe(`home_test.${personal.variant.name}`);
      if (personal.variant.name === 'treatment') {
        expect(personal.change?.remove_sources).toEqual(['user_cf']);
        expect(off.change).toEqual({ add_sources: [], remove_sources: [], source_weights: { trending_region: 2 }, ranking_weights: {} });
      }
    }
  });

  it('links the exposure to the subject only with consent for the experiment’s purpose', () => {
    const pid = subjects[0];
    expect(assigner.assign(ctx(pid, PrivacyMode.PERSONALIZED, [Purpose.PERSONALIZATION]), 'home', '', NOW)!.exposureSubject).toBe('');
    expect(
      assigner.assign(ctx(pid, PrivacyMode.PERSONALIZED, [Purpose.PERSONALIZATION, Purpose.QUALITY_MONITORING]), 'home', '', NOW)!
        .exposureSubject,
    ).toBe(pid);
  });

  it('assigns anonymous traffic by a hash of the session, and nothing without a subject or session, outside the period or surface', () => {
    const anonymous = ctx('', PrivacyMode.CONTEXTUAL_ONLY, []);
    const bySession = assigner.assign(anonymous, 'home', 'session-123', NOW)!;
    expect(bySession.variant.name).toBe(assigner.assign(anonymous, 'home', 'session-123', NOW)!.variant.name);
    expect(sessionUnit('acme', 'session-123')).not.toContain('session-123');
    expect(assigner.assign(anonymous, 'home', '', NOW)).toBeUndefined();
    expect(assigner.assign(ctx(subjects[0], PrivacyMode.PERSONALIZED, []), 'item_page', '', NOW)).toBeUndefined();
    expect(assigner.assign(ctx(subjects[0], PrivacyMode.PERSONALIZED, []), 'home', '', NOW + 5000)).toBeUndefined();
  });
});
