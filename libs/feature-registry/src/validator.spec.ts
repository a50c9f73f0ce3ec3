import { join } from 'node:path';
import { readRegistryIssues } from './loader';
import { FixtureFile, FixtureRegistry, lineIn } from './testing/registry-fixture';
import { RegistryIssue } from './types';
import { MAX_RETENTION_DAYS, validateRegistry } from './validator';

const APPROVAL = `    approval:
      approved_by: privacy-review-board
      approved_at: '2026-11-01'
      ticket: PRIV-1
    owner: test-team
    description: A personal feature.`;

describe(validateRegistry.name, () => {
  const fixture = new FixtureRegistry();
  afterEach(() => fixture.cleanup());

  /** The issues of the fixture after `edits`, with file names reduced to their base name. */
  function issuesAfter(...edits: Parameters<FixtureRegistry['write']>): { dir: string; issues: RegistryIssue[] } {
    const dir = fixture.write(...edits);
    const issues = readRegistryIssues(dir).map((i) => ({ ...i, file: i.file.slice(i.file.lastIndexOf('/') + 1) }));
    return { dir, issues };
  }

  it('accepts the unedited fixture', () => {
    expect(issuesAfter().issues).toEqual([]);
  });

  describe('feature metadata', () => {
    it('rejects a feature without privacy_class, naming the file and the line of the entry', () => {
      const { dir, issues } = issuesAfter(['features.yaml', '    privacy_class: behavioral_personal\n', '']);
      expect(issues).toEqual([
        {
          file: 'features.yaml',
          line: lineIn(dir, 'features.yaml', 'name: user_affinity'),
          message: "feature 'user_affinity': missing required field 'privacy_class'",
        },
      ]);
    });

    it('reports each missing field of a feature with no privacy metadata at all', () => {
      const { issues } = issuesAfter([
        'features.yaml',
        `    privacy_class: behavioral_personal
    allowed_privacy_modes: [personalized]
    allowed_purposes: [personalization]
    prohibited_purposes: [ads_personalization]
    requires_consent: personalization
    retention_days: 90
`,
        '',
      ]);
      expect(issues.map((i) => i.message)).toEqual(
        ['privacy_class', 'allowed_privacy_modes', 'allowed_purposes', 'prohibited_purposes', 'retention_days', 'requires_consent'].map(
          (field) => `feature 'user_affinity': missing required field '${field}'`,
        ),
      );
    });

    it('rejects a value outside the allowed enum at the line of the field', () => {
      const { dir, issues } = issuesAfter(['features.yaml', 'privacy_class: behavioral_personal', 'privacy_class: personal']);
      expect(issues).toHaveLength(1);
      expect(issues[0].line).toBe(lineIn(dir, 'features.yaml', 'privacy_class: personal'));
      expect(issues[0].message).toMatch(/^feature 'user_affinity': privacy_class must be one of public_catalog, .* \(got "personal"\)$/);
    });

    it.each([
      ['a fraction', '12.5'],
      ['zero', '0'],
      ['a string', '"90"'],
    ])('rejects retention_days given as %s', (_, value) => {
      const { issues } = issuesAfter(['features.yaml', 'retention_days: 90', `retention_days: ${value}`]);
      expect(issues.map((i) => i.message)).toEqual([expect.stringContaining('retention_days must be a positive integer')]);
    });

    it('rejects a list field written as a single value', () => {
      const { issues } = issuesAfter(['features.yaml', 'allowed_privacy_modes: [personalized]', 'allowed_privacy_modes: personalized']);
      expect(issues.map((i) => i.message)).toEqual([expect.stringContaining('allowed_privacy_modes must be a list')]);
    });

    it('rejects an unknown field and suggests the field a typo was meant to be', () => {
      const { dir, issues } = issuesAfter(['features.yaml', 'debug_visibility: restricted', 'debug_visibilty: restricted']);
      expect(issues).toContainEqual({
        file: 'features.yaml',
        line: lineIn(dir, 'features.yaml', 'debug_visibilty'),
        message: "feature 'user_affinity': unknown field 'debug_visibilty' (did you mean 'debug_visibility'?)",
      });
    });

    it('rejects an unknown field even when every required field is present', () => {
      const { issues } = issuesAfter(['features.yaml', '    owner: test-team\n', '    owner: test-team\n    pii: false\n']);
      expect(issues.map((i) => i.message)).toEqual(["feature 'user_affinity': unknown field 'pii'"]);
    });

    it('rejects an unknown top-level key', () => {
      const { issues } = issuesAfter(['routes.yaml', 'routes:', 'defaults: {}\nroutes:']);
      expect(issues).toEqual([{ file: 'routes.yaml', line: 2, message: "unknown top-level key 'defaults' (expected only 'routes')" }]);
    });

    it('rejects a duplicate feature name at the second definition', () => {
      const { dir, issues } = issuesAfter(['features.yaml', 'name: item_category', 'name: user_affinity']);
      expect(issues).toContainEqual({
        file: 'features.yaml',
        line: lineIn(dir, 'features.yaml', 'name: user_affinity', 'A personal feature'),
        message: `duplicate feature name 'user_affinity' (first defined at line ${lineIn(dir, 'features.yaml', 'name: user_affinity')})`,
      });
    });
  });

  describe('feature privacy rules', () => {
    it('rejects a purpose that is both allowed and prohibited', () => {
      const { dir, issues } = issuesAfter([
        'features.yaml',
        'prohibited_purposes: [ads_personalization]',
        'prohibited_purposes: [personalization]',
      ]);
      expect(issues).toContainEqual({
        file: 'features.yaml',
        line: lineIn(dir, 'features.yaml', 'prohibited_purposes: [personalization]'),
        message: "feature 'user_affinity': purpose 'personalization' is both allowed and prohibited",
      });
    });

    it('rejects requires_consent naming a purpose the feature does not allow', () => {
      const { issues } = issuesAfter(['features.yaml', 'requires_consent: personalization', 'requires_consent: behavioral_training']);
      expect(issues.map((i) => i.message)).toEqual([
        "feature 'user_affinity': requires_consent 'behavioral_training' is not one of its allowed_purposes",
      ]);
    });

    it('rejects personal data allowed in contextual_only mode', () => {
      const { issues } = issuesAfter([
        'features.yaml',
        'allowed_privacy_modes: [personalized]',
        'allowed_privacy_modes: [personalized, contextual_only]',
      ]);
      expect(issues.map((i) => i.message)).toContain(
        "feature 'user_affinity': behavioral_personal data must not be allowed in contextual_only mode",
      );
    });

    it('rejects personal data that does not require consent', () => {
      const { issues } = issuesAfter(['features.yaml', 'requires_consent: personalization', 'requires_consent: none']);
      expect(issues.map((i) => i.message)).toEqual([
        "feature 'user_affinity': behavioral_personal data must require consent (requires_consent: none)",
      ]);
    });

    it('rejects a retention longer than the class maximum at the line of retention_days', () => {
      const { dir, issues } = issuesAfter(['features.yaml', 'retention_days: 90', 'retention_days: 181']);
      expect(issues).toEqual([
        {
          file: 'features.yaml',
          line: lineIn(dir, 'features.yaml', 'retention_days: 181'),
          message: "feature 'user_affinity': retention_days 181 exceeds 180, the maximum for behavioral_personal",
        },
      ]);
    });

    it('accepts a retention equal to the class maximum', () => {
      const max = MAX_RETENTION_DAYS.behavioral_personal;
      expect(issuesAfter(['features.yaml', 'retention_days: 90', `retention_days: ${max}`]).issues).toEqual([]);
    });
  });

  describe('sensitive inference', () => {
    const sensitive: Parameters<FixtureRegistry['write']>[0] = [
      'features.yaml',
      '    sensitive_inference: false\n    owner: test-team\n    description: A personal feature.',
      `    sensitive_inference: true\n    owner: test-team\n    description: A personal feature.`,
    ];

    it('rejects a sensitive-inference feature in a personalized set without an approval', () => {
      const { dir, issues } = issuesAfter(sensitive);
      expect(issues).toEqual([
        {
          file: 'features.yaml',
          line: lineIn(dir, 'features.yaml', 'name: user_affinity'),
          message:
            "feature 'user_affinity': sensitive_inference is true and personalized feature set 'personal_set' uses it, but it has no approval (approved_by, approved_at, ticket)",
        },
      ]);
    });

    it('accepts it with a complete approval record', () => {
      const approved: Parameters<FixtureRegistry['write']>[0] = [
        'features.yaml',
        '    sensitive_inference: false\n    owner: test-team\n    description: A personal feature.',
        `    sensitive_inference: true\n${APPROVAL}`,
      ];
      expect(issuesAfter(approved).issues).toEqual([]);
    });

    it('rejects an approval with an empty ticket at the line of the ticket', () => {
      const { dir, issues } = issuesAfter([
        'features.yaml',
        '    sensitive_inference: false\n    owner: test-team\n    description: A personal feature.',
        `    sensitive_inference: true\n${APPROVAL.replace('ticket: PRIV-1', "ticket: ''")}`,
      ]);
      expect(issues).toEqual([
        {
          file: 'features.yaml',
          line: lineIn(dir, 'features.yaml', 'ticket:'),
          message: `feature 'user_affinity': approval.ticket must be a non-empty string (got "")`,
        },
      ]);
    });

    it('accepts an unapproved sensitive-inference feature used only outside personalized mode', () => {
      const { issues } = issuesAfter(
        [
          'features.yaml',
          '    sensitive_inference: false\n    owner: test-team\n    description: A public feature.',
          '    sensitive_inference: true\n    owner: test-team\n    description: A public feature.',
        ],
        [
          'feature-sets.yaml',
          '      - item_category\n    owner: test-team\n    description: A personalized set.',
          '    owner: test-team\n    description: A personalized set.',
        ],
        [
          'feature-sets.yaml',
          'allowed_privacy_modes: [personalized, contextual_only, non_personalized]',
          'allowed_privacy_modes: [contextual_only, non_personalized]',
        ],
        [
          'sources.yaml',
          'allowed_privacy_modes: [personalized, contextual_only, non_personalized]',
          'allowed_privacy_modes: [contextual_only, non_personalized]',
        ],
        [
          'routes.yaml',
          'consumed_features: [item_category]\n    model: models/personal.json',
          'consumed_features: [user_affinity]\n    model: models/personal.json',
        ],
      );
      expect(issues).toEqual([]);
    });
  });

  describe('feature sets', () => {
    it('rejects a reference to an unknown feature at the line of the reference', () => {
      const { dir, issues } = issuesAfter(['feature-sets.yaml', '      - user_affinity', '      - user_afinity']);
      expect(issues).toEqual([
        {
          file: 'feature-sets.yaml',
          line: lineIn(dir, 'feature-sets.yaml', '- user_afinity'),
          message: "feature set 'personal_set': unknown feature 'user_afinity'",
        },
      ]);
    });

    it('rejects a set holding a feature that is not allowed in each of its modes', () => {
      const { dir, issues } = issuesAfter([
        'feature-sets.yaml',
        '      - item_category\n    owner: test-team\n    description: A set for every mode.',
        '      - item_category\n      - user_affinity\n    owner: test-team\n    description: A set for every mode.',
      ]);
      const line = lineIn(dir, 'feature-sets.yaml', '- user_affinity', 'name: public_set');
      expect(issues).toEqual([
        {
          file: 'feature-sets.yaml',
          line,
          message: "feature set 'public_set': feature 'user_affinity' is not allowed in contextual_only mode, which the set allows",
        },
        {
          file: 'feature-sets.yaml',
          line,
          message: "feature set 'public_set': feature 'user_affinity' is not allowed in non_personalized mode, which the set allows",
        },
      ]);
    });

    it('rejects a set whose purpose a feature prohibits', () => {
      const { issues } = issuesAfter(['feature-sets.yaml', 'purpose: personalization', 'purpose: ads_personalization']);
      expect(issues.map((i) => i.message)).toEqual([
        "feature set 'personal_set': feature 'user_affinity' prohibits the set's purpose 'ads_personalization'",
        "feature set 'personal_set': feature 'item_category' does not allow the set's purpose 'ads_personalization'",
      ]);
    });
  });

  describe('sources and routes', () => {
    it('rejects a source whose feature set is unknown', () => {
      const { issues } = issuesAfter(['sources.yaml', 'feature_set: public_set', 'feature_set: nowhere_set']);
      expect(issues).toEqual([
        {
          file: 'sources.yaml',
          line: expect.any(Number),
          message: "source 'public_source': unknown feature set 'nowhere_set'",
        },
      ]);
    });

    it('rejects a source allowed in a mode its feature set does not allow', () => {
      const { issues } = issuesAfter(['sources.yaml', 'feature_set: public_set', 'feature_set: personal_set']);
      expect(issues.map((i) => i.message)).toEqual([
        "source 'public_source': mode contextual_only is not allowed by its feature set 'personal_set'",
        "source 'public_source': mode non_personalized is not allowed by its feature set 'personal_set'",
      ]);
    });

    it('rejects a source needing personal data that is allowed in non_personalized mode', () => {
      const { issues } = issuesAfter(
        ['sources.yaml', 'requires_personal_data: false', 'requires_personal_data: true'],
        ['sources.yaml', 'requires_consent: none', 'requires_consent: personalization'],
      );
      expect(issues.map((i) => i.message)).toEqual([
        "source 'public_source': requires personal data, so it must not be allowed in contextual_only mode",
        "source 'public_source': requires personal data, so it must not be allowed in non_personalized mode",
      ]);
    });

    it('rejects a route whose feature set does not allow the route mode', () => {
      const { dir, issues } = issuesAfter(['routes.yaml', 'feature_set: public_set', 'feature_set: personal_set']);
      expect(issues).toEqual([
        {
          file: 'routes.yaml',
          line: lineIn(dir, 'routes.yaml', 'mode: non_personalized'),
          message: "route 'route_public': feature set 'personal_set' does not allow the route's mode non_personalized",
        },
      ]);
    });

    it('rejects a route that consumes a feature outside its feature set', () => {
      const { dir, issues } = issuesAfter([
        'routes.yaml',
        '    consumed_features: [item_category]\n    model: models/personal.json',
        '    consumed_features: [user_affinity, item_quality]\n    model: models/personal.json',
      ]);
      expect(issues).toEqual([
        {
          file: 'routes.yaml',
          line: lineIn(dir, 'routes.yaml', 'consumed_features: [user_affinity, item_quality]'),
          message: "route 'route_personal': consumes 'item_quality', which is not in its feature set 'personal_set'",
        },
      ]);
    });

    it('rejects a route whose feature set is unknown', () => {
      const { issues } = issuesAfter(['routes.yaml', 'feature_set: personal_set', 'feature_set: personal_sett']);
      expect(issues.map((i) => i.message)).toEqual(["route 'route_personal': unknown feature set 'personal_sett'"]);
    });
  });

  describe('derived features and session state', () => {
    /** A feature computed from user_affinity, as `extra` says. */
    const derived = (extra: string) =>
      [
        'features.yaml' as const,
        '  - name: item_category\n',
        `  - name: user_picks
    entity: user
    value_type: weights
    privacy_class: behavioral_personal
    allowed_privacy_modes: [personalized]
    allowed_purposes: [personalization]
    prohibited_purposes: [ads_personalization]
    requires_consent: personalization
    retention_days: 90
    debug_visibility: restricted
    sensitive_inference: false
    derived_from: [user_affinity]
    owner: test-team
    description: Derived.${extra}
  - name: item_category\n`,
      ] as [FixtureFile, string, string];

    it('accepts a derived feature no more permissive than its input', () => {
      expect(issuesAfter(derived('')).issues).toEqual([]);
    });

    it('rejects a derived feature that drops a purpose its input prohibits, at the line of the field', () => {
      const [file, find, replace] = derived('');
      const { dir, issues } = issuesAfter([
        file,
        find,
        replace.replace(
          'prohibited_purposes: [ads_personalization]\n    requires_consent: personalization\n    retention_days: 90\n    debug_visibility: restricted\n    sensitive_inference: false\n    derived_from',
          'prohibited_purposes: []\n    requires_consent: personalization\n    retention_days: 90\n    debug_visibility: restricted\n    sensitive_inference: false\n    derived_from',
        ),
      ]);
      expect(issues).toEqual([
        {
          file: 'features.yaml',
          line: lineIn(dir, 'features.yaml', 'prohibited_purposes: []', 'name: user_picks'),
          message: "feature 'user_picks': must prohibit 'ads_personalization', as its input 'user_affinity' does",
        },
      ]);
    });

    it('rejects a derived feature allowing a purpose its input does not', () => {
      const [file, find, replace] = derived('');
      const { issues } = issuesAfter([
        file,
        find,
        replace.replace(
          'allowed_purposes: [personalization]\n    prohibited_purposes: [ads_personalization]\n    requires_consent: personalization\n    retention_days: 90\n    debug_visibility: restricted\n    sensitive_inference: false\n    derived_from',
          'allowed_purposes: [personalization, quality_monitoring]\n    prohibited_purposes: [ads_personalization]\n    requires_consent: personalization\n    retention_days: 90\n    debug_visibility: restricted\n    sensitive_inference: false\n    derived_from',
        ),
      ]);
      expect(issues.map((i) => i.message)).toEqual([
        "feature 'user_picks': allows purpose 'quality_monitoring', which its input 'user_affinity' does not",
      ]);
    });

    it('requires a feature derived from a sensitive inference to be one, no more visible in debug, kept no longer', () => {
      const [file, find, replace] = derived('');
      const sensitiveInput: [FixtureFile, string, string] = [
        'features.yaml',
        '    debug_visibility: restricted\n    sensitive_inference: false\n    owner: test-team\n    description: A personal feature.',
        `    debug_visibility: hidden\n    sensitive_inference: true\n${APPROVAL}`,
      ];
      const { issues } = issuesAfter(
        [
          file,
          find,
          replace.replace('retention_days: 90\n    debug_visibility: restricted', 'retention_days: 120\n    debug_visibility: restricted'),
        ],
        sensitiveInput,
      );
      expect(issues.map((i) => i.message)).toEqual([
        "feature 'user_picks': retention_days must not exceed its input 'user_affinity' (90)",
        "feature 'user_picks': debug_visibility must be at least 'hidden', as its input 'user_affinity' is",
        "feature 'user_picks': must be a sensitive_inference, as its input 'user_affinity' is",
      ]);
    });

    it('rejects a derivation from an unknown feature and a derivation cycle', () => {
      const [file, find, replace] = derived('');
      expect(
        issuesAfter([file, find, replace.replace('derived_from: [user_affinity]', 'derived_from: [user_nothing]')]).issues.map(
          (i) => i.message,
        ),
      ).toEqual(["feature 'user_picks': derived_from names unknown feature 'user_nothing'"]);
      const cycle = issuesAfter(
        [file, find, replace],
        [
          'features.yaml',
          '    sensitive_inference: false\n    owner: test-team\n    description: A personal feature.',
          '    sensitive_inference: false\n    derived_from: [user_picks]\n    owner: test-team\n    description: A personal feature.',
        ],
      );
      expect(cycle.issues.map((i) => i.message)).toEqual(
        expect.arrayContaining([
          "feature 'user_affinity': derives from 'user_picks', which derives from it",
          "feature 'user_picks': derives from 'user_affinity', which derives from it",
        ]),
      );
    });

    /** Anonymous session state, as `modes` and `retention` say. */
    const session = (modes: string, retention: number) =>
      [
        'features.yaml',
        '  - name: item_category\n',
        `  - name: session_items
    entity: session
    value_type: weights
    privacy_class: behavioral_personal
    allowed_privacy_modes: [${modes}]
    allowed_purposes: [personalization]
    prohibited_purposes: []
    requires_consent: none
    retention_days: ${retention}
    debug_visibility: restricted
    sensitive_inference: false
    owner: test-team
    description: Session state.
  - name: item_category\n`,
      ] as [FixtureFile, string, string];

    it('lets short-lived session state serve contextual requests without a consent record', () => {
      expect(issuesAfter(session('personalized, contextual_only', 1)).issues).toEqual([]);
    });

    it('never lets session state into non_personalized mode, nor keep it longer than a day', () => {
      expect(issuesAfter(session('contextual_only, non_personalized', 7)).issues.map((i) => i.message)).toEqual([
        "feature 'session_items': behavioral_personal data must not be allowed in non_personalized mode",
        "feature 'session_items': session state must not be kept longer than 1 day",
      ]);
    });

    it('still refuses a personal user feature in contextual_only mode', () => {
      const { issues } = issuesAfter(session('contextual_only', 1), ['features.yaml', 'entity: session', 'entity: user']);
      expect(issues.map((i) => i.message)).toEqual([
        "feature 'session_items': behavioral_personal data must not be allowed in contextual_only mode",
        "feature 'session_items': behavioral_personal data must require consent (requires_consent: none)",
      ]);
    });

    it('refuses a source reading session state in non_personalized mode', () => {
      const { issues } = issuesAfter([
        'sources.yaml',
        '    requires_personal_data: false\n    allowed_privacy_modes: [personalized, contextual_only, non_personalized]',
        '    requires_personal_data: false\n    uses_session_state: true\n    allowed_privacy_modes: [personalized, contextual_only, non_personalized]',
      ]);
      expect(issues.map((i) => i.message)).toEqual([
        "source 'public_source': reads session state, so it must not be allowed in non_personalized mode",
      ]);
    });
  });

  describe('files', () => {
    it('reports invalid YAML with its line', () => {
      const { dir, issues } = issuesAfter(['sources.yaml', 'owner: test-team', 'owner: [test-team']);
      expect(issues).toHaveLength(1);
      expect(issues[0].file).toBe('sources.yaml');
      expect(issues[0].message).toMatch(/^invalid YAML: /);
      expect(issues[0].line).toBeGreaterThanOrEqual(lineIn(dir, 'sources.yaml', 'owner: [test-team'));
    });

    it('reports a missing file', () => {
      const issues = readRegistryIssues(join(fixture.write(), 'no-such-folder'));
      expect(issues.map((i) => i.message)).toEqual(Array(4).fill(expect.stringMatching(/^cannot read file: ENOENT/)));
    });
  });
});
