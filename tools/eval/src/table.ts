import { EvalReport } from './evaluation';

/** The report as a Markdown table with the dataset's governance line, ready for docs/. */
export function formatTable(report: EvalReport): string {
  const d = report.dataset;
  const head = '| model | route | Recall@10 | Recall@20 | NDCG@10 | coverage |\n|---|---|---:|---:|---:|---:|';
  const body = report.rows
    .map(
      (r) =>
        `| ${r.model} | ${r.route} | ${r.recall_at_10.toFixed(4)} | ${r.recall_at_20.toFixed(4)} | ${r.ndcg_at_10.toFixed(4)} | ${r.coverage.toFixed(4)} |`,
    )
    .join('\n');
  return [
    `dataset: ${d.rows} interactions, ${d.subjects} users, ${d.items} items; tenant scope ${d.tenant_scope}; privacy filters ${d.privacy_filter_version}`,
    `protocol: each user's last ${report.holdout} items held out (by time); EASE λ=${report.lambda} (tuned on a validation split of the training data)`,
    '',
    head,
    body,
    '',
    'trained ranker weights (non-zero):',
    ...Object.entries(report.rankers).map(
      ([route, weights]) =>
        `  ${route}: ${
          Object.entries(weights)
            .filter(([, w]) => w !== 0)
            .map(([term, w]) => `${term} ${w}`)
            .join(', ') || '(none)'
        }`,
    ),
    '',
    `${report.rows[0]?.users ?? 0} users evaluated in ${report.seconds.toFixed(1)} s`,
  ].join('\n');
}
