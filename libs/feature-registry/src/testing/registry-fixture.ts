/**
 * A small, valid registry for tests, written to a fresh temp folder. Tests break it with a text replacement,
 * so each test shows exactly what it changed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIXTURE = {
  'features.yaml': `# fixture features
features:
  - name: user_affinity
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
    owner: test-team
    description: A personal feature.
  - name: item_category
    entity: item
    value_type: text
    privacy_class: public_catalog
    allowed_privacy_modes: [personalized, contextual_only, non_personalized]
    allowed_purposes: [personalization, quality_monitoring]
    prohibited_purposes: []
    requires_consent: none
    retention_days: 3650
    debug_visibility: visible
    sensitive_inference: false
    owner: test-team
    description: A public feature.
`,
  'feature-sets.yaml': `# fixture feature sets
feature_sets:
  - name: personal_set
    allowed_privacy_modes: [personalized]
    purpose: personalization
    features:
      - user_affinity
      - item_category
    owner: test-team
    description: A personalized set.
  - name: public_set
    allowed_privacy_modes: [personalized, contextual_only, non_personalized]
    purpose: personalization
    features:
      - item_category
    owner: test-team
    description: A set for every mode.
`,
  'sources.yaml': `# fixture sources
sources:
  - name: personal_source
    requires_personal_data: true
    allowed_privacy_modes: [personalized]
    requires_consent: personalization
    feature_set: personal_set
    owner: test-team
    description: A personal source.
  - name: public_source
    requires_personal_data: false
    allowed_privacy_modes: [personalized, contextual_only, non_personalized]
    requires_consent: none
    feature_set: public_set
    owner: test-team
    description: A public source.
`,
  'routes.yaml': `# fixture routes
routes:
  - name: route_personal
    mode: personalized
    surface: home
    feature_set: personal_set
    consumed_features: [item_category]
    model: models/personal.json
    owner: test-team
    description: A personalized route.
  - name: route_public
    mode: non_personalized
    surface: home
    feature_set: public_set
    consumed_features: [item_category]
    model: models/public.json
    owner: test-team
    description: A non-personalized route.
`,
} as const;

export type FixtureFile = keyof typeof FIXTURE;

/** An edit of one fixture file: the text to find (must occur) and what to put instead. */
export type FixtureEdit = [file: FixtureFile, find: string, replace: string];

export class FixtureRegistry {
  private readonly dirs: string[] = [];

  /** Writes the fixture with `edits` applied to a new temp folder and returns the folder. */
  write(...edits: FixtureEdit[]): string {
    const files: Record<string, string> = { ...FIXTURE };
    for (const [file, find, replace] of edits) {
      if (!files[file].includes(find)) throw new Error(`fixture ${file} has no ${JSON.stringify(find)}`);
      files[file] = files[file].replace(find, replace);
    }
    const dir = mkdtempSync(join(tmpdir(), 'feature-registry-'));
    this.dirs.push(dir);
    for (const [file, body] of Object.entries(files)) writeFileSync(join(dir, file), body);
    return dir;
  }

  cleanup(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** The 1-based number of the first line of `dir/file` containing `needle` (at or after `after`, when given). */
export function lineIn(dir: string, file: FixtureFile, needle: string, after?: string): number {
  const lines = readFileSync(join(dir, file), 'utf8').split('\n');
  const start = after ? lines.findIndex((l) => l.includes(after)) : 0;
  const index = lines.findIndex((l, i) => i >= start && l.includes(needle));
  if (start < 0 || index < 0) throw new Error(`no line with ${JSON.stringify(needle)}`);
  return index + 1;
}
