import type { Experiment } from '@recsys/feature-registry';
import { CellCounts } from './experiment-results.repository';
import { EXPOSURE_MODES } from './exposure.validation';

/** Why a cell's click-through is not reported. */
export const FEWER_THAN_K = 'fewer than k subjects';
export const NO_IMPRESSIONS = 'no measured impressions';

/** One variant in one privacy mode. */
export interface ResultCell {
  variant: string;
  mode: string;
  exposures: number;
  /** This cell's exposures over all of the variant's exposures (every mode). */
  share_of_variant: number;
  linked_exposures: number;
  linked_subjects: number;
  measured_subjects: number;
  impressions: number;
  /** null when suppressed (fewer than k measured subjects): a small group's clicks would describe individuals. */
  clicks: number | null;
  click_through: number | null;
  /** Why click_through is null, else null. */
  click_through_reason: string | null;
}

export interface ExperimentResult {
  experiment: string;
  tenant: string;
  surface: string;
  owner: string;
  purpose: string;
  start: string;
  end: string;
  exposures: number;
  cells: ResultCell[];
}

export interface ResultsReport {
  tenant: string;
  /** AGGREGATION_MIN_USERS: a cell's click-through is reported only from at least k measured subjects. */
  k: number;
  experiments: ExperimentResult[];
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/**
 * An experiment's results from its cell counts (seed §22 and §29): shares of each variant's traffic by privacy
 * mode, and click-through per cell only where at least k distinct subjects were measured. Cells are ordered by
 * the experiment's declared variants, then by privacy mode (strictest last); a variant recorded but no longer
 * declared is listed after them.
 */
export function experimentResult(experiment: Experiment, counts: readonly CellCounts[], k: number): ExperimentResult {
  const variantTotals = new Map<string, number>();
  for (const c of counts) variantTotals.set(c.variant, (variantTotals.get(c.variant) ?? 0) + c.exposures);
  const declared = experiment.variants.map((v) => v.name);
  const variantRank = (name: string) => (declared.includes(name) ? declared.indexOf(name) : declared.length);
  const modeRank = (mode: string) => (EXPOSURE_MODES as readonly string[]).indexOf(mode);
  const cells = [...counts]
    .sort(
      (a, b) =>
        variantRank(a.variant) - variantRank(b.variant) || a.variant.localeCompare(b.variant) || modeRank(a.mode) - modeRank(b.mode),
    )
    .map((c): ResultCell => {
      const suppressed = c.measuredSubjects < k;
      const reason = suppressed ? FEWER_THAN_K : c.impressions === 0 ? NO_IMPRESSIONS : null;
      return {
        variant: c.variant,
        mode: c.mode,
        exposures: c.exposures,
        share_of_variant: round(c.exposures / variantTotals.get(c.variant)!),
        linked_exposures: c.linkedExposures,
        linked_subjects: c.linkedSubjects,
        measured_subjects: c.measuredSubjects,
        impressions: c.impressions,
        clicks: suppressed ? null : c.clicks,
        click_through: reason ? null : round(c.clicks / c.impressions),
        click_through_reason: reason,
      };
    });
  return {
    experiment: experiment.name,
    tenant: experiment.tenant,
    surface: experiment.surface,
    owner: experiment.owner,
    purpose: experiment.purpose,
    start: new Date(experiment.startMs).toISOString(),
    end: new Date(experiment.endMs).toISOString(),
    exposures: counts.reduce((n, c) => n + c.exposures, 0),
    cells,
  };
}

const COLUMNS: [header: string, value: (c: ResultCell) => string][] = [
  ['variant', (c) => c.variant],
  ['mode', (c) => c.mode],
  ['exposures', (c) => String(c.exposures)],
  ['share', (c) => `${(c.share_of_variant * 100).toFixed(1)}%`],
  ['linked', (c) => String(c.linked_exposures)],
  ['subjects', (c) => String(c.linked_subjects)],
  ['measured', (c) => String(c.measured_subjects)],
  ['impressions', (c) => String(c.impressions)],
  ['clicks', (c) => (c.clicks === null ? '-' : String(c.clicks))],
  ['ctr', (c) => (c.click_through === null ? '-' : `${(c.click_through * 100).toFixed(2)}%`)],
  ['note', (c) => c.click_through_reason ?? ''],
];
const NUMERIC = new Set(['exposures', 'share', 'linked', 'subjects', 'measured', 'impressions', 'clicks', 'ctr']);

/** The report as plain padded columns, one block per experiment. */
export function formatResultsTable(report: ResultsReport): string {
  const out: string[] = [];
  for (const e of report.experiments) {
    out.push(
      `${e.experiment}  tenant ${e.tenant}, surface ${e.surface}, owner ${e.owner}, purpose ${e.purpose}, ${e.start} to ${e.end}`,
      `  ${e.exposures} exposures; click-through from linked exposures of signed-in subjects and stored events only, ` +
        `shown for cells of at least k = ${report.k} measured subjects`,
    );
    if (e.cells.length === 0) {
      out.push('  no exposures recorded', '');
      continue;
    }
    const rows = [COLUMNS.map(([h]) => h), ...e.cells.map((c) => COLUMNS.map(([, v]) => v(c)))];
    const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows) {
      const line = r.map((v, i) => (NUMERIC.has(COLUMNS[i][0]) ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ');
      out.push(`  ${line.trimEnd()}`);
    }
    out.push('');
  }
  return out.join('\n');
}
