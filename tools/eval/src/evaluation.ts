import {
  buildGovernedDataset,
  categoryAffinity,
  DatasetManifest,
  DEFAULT_PRIVACY_FILTERS,
  evaluate,
  EvaluationRow,
  histories,
  InteractionMatrix,
  leaveLastOut,
  neighborhoodScores,
  rankLinear,
  ranked,
  requestFor,
  routeCandidates,
  RouteSpec,
  rowIndex,
  thresholdedPopularity,
  TrainingConfig,
  trainEase,
  trainItemKnn,
  trainRoutes,
  CatalogItem,
  GovernedRow,
  Interaction,
  EaseModel,
} from '@recsys/models';

export interface EvalOptions {
  holdout: number;
  config: TrainingConfig;
  /** EASE λ values tried on a validation split; the best one is the baseline's and the personalized route's. */
  lambdas: number[];
  log: (line: string) => void;
}

export interface ResultRow extends EvaluationRow {
  model: string;
  route: string;
}

export interface EvalReport {
  dataset: DatasetManifest;
  holdout: number;
  lambda: number;
  rows: ResultRow[];
  rankers: Record<string, Record<string, number>>;
  seconds: number;
}

/**
 * The privacy–utility table: baselines and each privacy mode's route, trained on a governed dataset and
 * evaluated with a per-user time split (each user's last `holdout` items held out).
 */
export function runEvaluation(
  input: { rows: GovernedRow[]; catalog: CatalogItem[]; tenant: string },
  routes: RouteSpec[],
  options: EvalOptions,
): EvalReport {
  const started = Date.now();
  const log = (line: string) => options.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);
  // Public research data: nobody in it asked for deletion or refused training; the filters still run.
  const governed = buildGovernedDataset('offline-eval', input.tenant, input.rows, DEFAULT_PRIVACY_FILTERS, {
    deleted: new Set(),
    noTrainingConsent: new Set(),
    deletionSnapshot: 'none',
  });
  log(`governed dataset: ${governed.manifest.rows} rows, ${governed.manifest.subjects} subjects, ${governed.manifest.items} items`);
  const split = leaveLastOut(governed.rows, options.holdout);
  const train = split.train;
  const catalogSize = governed.manifest.items;
  const seen = histories(train);
  const notSeen = (user: string) => (item: string) => !seen.get(user)?.items.has(item);
  const rows: ResultRow[] = [];
  const add = (model: string, route: string, recommend: (user: string) => string[]) => {
    const row = { model, route, ...evaluate(split.test, catalogSize, recommend) };
    rows.push(row);
    log(`${model} (${route}): NDCG@10 ${row.ndcg_at_10.toFixed(4)}`);
  };

  const popular = ranked(thresholdedPopularity(train, 1)).map(([item]) => item);
  add('MostPop', 'baseline', (user) => popular.filter(notSeen(user)).slice(0, 20));

  const matrix = InteractionMatrix.from(train);
  const knn = trainItemKnn(matrix, { neighbors: 100, shrink: 10 });
  const knnRows = rowIndex(knn.items);
  add('ItemKNN', 'baseline', (user) => topIds(neighborhoodScores(knn, knnRows, seen.get(user)?.items ?? new Map()), notSeen(user)));

  const lambda = tuneLambda(train, options, log);
  const ease = trainEase(matrix, { ...options.config.ease, lambda });
  add('EASE', 'baseline', (user) => topIds(denseScores(ease, seen.get(user)?.items), notSeen(user)));

  const config = { ...options.config, ease: { ...options.config.ease, lambda } };
  const trained = trainRoutes(train, input.catalog, [], routes, config);
  log(`routes trained (ranker lists: ${JSON.stringify(trained.rankerLists)})`);
  for (const route of routes) {
    const weights = trained.rankers[route.name];
    add(route.name, route.mode, (user) => {
      const h = seen.get(user);
      const history = h?.items ?? new Map<string, number>();
      const candidates = routeCandidates(route, trained.artifacts, requestFor(route.mode, history, h?.last), config.candidatesPerSource);
      const affinity = route.mode === 'personalized' ? categoryAffinity(history, trained.artifacts.catalog) : {};
      return rankLinear(weights, candidates, affinity)
        .slice(0, 20)
        .map((s) => s.itemId);
    });
  }
  return {
    dataset: governed.manifest,
    holdout: options.holdout,
    lambda,
    rows,
    rankers: trained.rankers,
    seconds: (Date.now() - started) / 1000,
  };
}

/** EASE's λ by NDCG@10 on each training user's last `holdout` items (the test split is never looked at). */
function tuneLambda(train: Interaction[], options: EvalOptions, log: (line: string) => void): number {
  if (options.lambdas.length === 1) return options.lambdas[0];
  const inner = leaveLastOut(train, options.holdout);
  const seen = histories(inner.train);
  const matrix = InteractionMatrix.from(inner.train);
  let best = { lambda: options.lambdas[0], ndcg: -1 };
  for (const lambda of options.lambdas) {
    const model = trainEase(matrix, { ...options.config.ease, lambda });
    const { ndcg_at_10: ndcg } = evaluate(inner.test, 1, (user) =>
      topIds(denseScores(model, seen.get(user)?.items), (item) => !seen.get(user)?.items.has(item)),
    );
    log(`EASE λ=${lambda}: validation NDCG@10 ${ndcg.toFixed(4)}`);
    if (ndcg > best.ndcg) best = { lambda, ndcg };
  }
  return best.lambda;
}

/** Full (dense) EASE scores of a history: the baseline, not the served sparse model. */
function denseScores(model: EaseModel, history: ReadonlyMap<string, number> | undefined): Map<string, number> {
  const n = model.items.length;
  const rows = rowIndex(model.items);
  const scores = new Float64Array(n);
  for (const item of history?.keys() ?? []) {
    const i = rows.get(item);
    if (i === undefined) continue;
    const o = i * n;
    for (let j = 0; j < n; j++) scores[j] += model.weights[o + j];
  }
  return new Map(model.items.map((id, j) => [id, scores[j]]));
}

function topIds(scores: ReadonlyMap<string, number>, keep: (item: string) => boolean, n = 20): string[] {
  return [...scores]
    .filter(([item, s]) => s > 0 && keep(item))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([item]) => item);
}
