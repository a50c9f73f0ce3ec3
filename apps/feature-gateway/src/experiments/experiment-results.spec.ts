import { Experiment } from '@recsys/feature-registry';
import { CellCounts } from './experiment-results.repository';
import { experimentResult, formatResultsTable, FEWER_THAN_K, NO_IMPRESSIONS } from './experiment-results';

const EXPERIMENT: Experiment = {
  name: 'home_test',
  tenant: 'acme',
  surface: 'home',
  owner: 'growth-team',
  purpose: 'quality_monitoring',
  startMs: Date.parse('2026-11-15T00:00:00Z'),
  endMs: Date.parse('2027-06-01T00:00:00Z'),
  salt: 'some-salt',
  variants: [
    { name: 'treatment', traffic: 50, changes: {} },
    { name: 'control', traffic: 50, changes: {} },
  ],
};
const counts = (variant: string, mode: string, over: Partial<CellCounts> = {}): CellCounts => ({
  variant,
  mode,
  exposures: 10,
  linkedExposures: 10,
  linkedSubjects: 10,
  measuredSubjects: 10,
  impressions: 30,
  clicks: 3,
  ...over,
});

describe(experimentResult.name, () => {
  it('orders cells by declared variant, then mode from most to least personal, undeclared variants last', () => {
    const result = experimentResult(
      EXPERIMENT,
      [
        counts('control', 'NON_PERSONALIZED'),
        counts('retired', 'PERSONALIZED'),
        counts('control', 'PERSONALIZED'),
        counts('treatment', 'CONTEXTUAL_ONLY'),
      ],
      10,
    );
    expect(result.cells.map((c) => `${c.variant}/${c.mode}`)).toEqual([
      'treatment/CONTEXTUAL_ONLY',
      'control/PERSONALIZED',
      'control/NON_PERSONALIZED',
      'retired/PERSONALIZED',
    ]);
    expect(result.exposures).toBe(40);
  });

  it('computes shares within a variant and click-through to four decimals', () => {
    const result = experimentResult(
      EXPERIMENT,
      [
        counts('control', 'PERSONALIZED', { exposures: 2 }),
        counts('control', 'CONTEXTUAL_ONLY', { exposures: 1, impressions: 3, clicks: 2 }),
      ],
      10,
    );
    expect(result.cells.map((c) => [c.share_of_variant, c.click_through])).toEqual([
      [0.6667, 0.1],
      [0.3333, 0.6667],
    ]);
  });

  it('suppresses clicks and click-through below k measured subjects, and reports no click-through without impressions', () => {
    const result = experimentResult(
      EXPERIMENT,
      [
        counts('control', 'PERSONALIZED', { measuredSubjects: 9, linkedSubjects: 40 }),
        counts('treatment', 'PERSONALIZED', { impressions: 0, clicks: 0 }),
      ],
      10,
    );
    expect(result.cells.map((c) => [c.clicks, c.click_through, c.click_through_reason])).toEqual([
      [0, null, NO_IMPRESSIONS],
      [null, null, FEWER_THAN_K],
    ]);
  });

  it('prints a table with the purpose and a line for an experiment without exposures', () => {
    const table = formatResultsTable({ tenant: 'acme', k: 10, experiments: [experimentResult(EXPERIMENT, [], 10)] });
    expect(table).toContain('purpose quality_monitoring');
    expect(table).toContain('no exposures recorded');
  });
});
