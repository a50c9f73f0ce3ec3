import { isDictionaryColumn, ItemTable, RecommendedItem, textAt } from '@recsys/proto';
import { ServiceMetrics } from '@recsys/service-kit';
import type { Logger } from 'pino';
import { Explainer } from './explainer';
import { ExplanationFactsBuilder } from './explanation-facts';
import { ExplanationValidator, RejectionReason, VocabularyIndex } from './explanation.validator';

export interface ExplanationOptions {
  /** Time all explanations of one answer may take; an item still unexplained then gets ''. */
  deadlineMs: number;
}

/**
 * Fills `RecommendedItem.explanation`: facts from the whitelist → explainer → validator. Only a validated
 * sentence is ever returned; a rejection, an error or the deadline gives '' and counts in
 * `explanation_rejected_total`. Never fails the Recommend. With no explainer (EXPLAINER=none) it does nothing.
 */
export class ExplanationService {
  private readonly rejected;

  constructor(
    private readonly explainer: Explainer | undefined,
    private readonly facts: ExplanationFactsBuilder,
    private readonly validator: ExplanationValidator,
    metrics: ServiceMetrics,
    private readonly logger: Logger,
    private readonly options: ExplanationOptions,
  ) {
    this.rejected = metrics.counter(
      'explanation_rejected_total',
      'Explanations not shown (the item gets an empty one): failed validation, explainer error or deadline.',
      ['reason'],
    );
  }

  /** `rowOf` (each item's row of `table`) when the caller has it already. */
  async fill(items: RecommendedItem[], table: ItemTable, rowOf?: Pick<ReadonlyMap<string, number>, 'get'>): Promise<RecommendedItem[]> {
    const explainer = this.explainer;
    if (!explainer || items.length === 0) return items;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.options.deadlineMs);
    timer.unref();
    try {
      const rows = rowOf ?? new Map(table.itemIds.map((id, i) => [id, i]));
      const vocabulary = this.validator.index(this.vocabulary(table));
      const timedOut = new Promise<'timeout'>((resolve) => deadline.signal.addEventListener('abort', () => resolve('timeout')));
      const texts = await Promise.all(
        items.map((item) =>
          this.explainOne(explainer, item, rowValues(table, rows.get(item.itemId)), vocabulary, deadline.signal, timedOut),
        ),
      );
      return items.map((item, i) => ({ ...item, explanation: texts[i] }));
    } catch (error) {
      // Unreachable by design (explainOne catches); kept so an explanation can never cost the answer.
      this.logger.warn({ err: (error as Error).message }, 'explanations failed');
      return items.map((item) => ({ ...item, explanation: '' }));
    } finally {
      clearTimeout(timer);
    }
  }

  private async explainOne(
    explainer: Explainer,
    item: RecommendedItem,
    values: Record<string, unknown>,
    vocabulary: VocabularyIndex,
    signal: AbortSignal,
    timedOut: Promise<'timeout'>,
  ): Promise<string> {
    try {
      const facts = this.facts.factsFor(item.itemId, values, { code: item.reasonCode, text: item.reasonText });
      const result = await Promise.race([explainer.explain(facts, signal), timedOut]);
      if (result === 'timeout') return this.reject('timeout');
      const verdict = this.validator.validate(result.output, facts, vocabulary);
      return verdict.ok ? verdict.text : this.reject(verdict.reason);
    } catch (error) {
      // The error's name only: a model adapter's message could quote the prompt or the answer.
      this.logger.debug({ explainer: explainer.name, err: (error as Error).name }, 'explainer failed');
      return this.reject('explainer_error');
    }
  }

  private reject(reason: RejectionReason): string {
    this.rejected.inc({ reason });
    return '';
  }

  /**
   * Every value of each explainable feature in this answer's table (what "another category" can be): the
   * table's own columns, which the index reads as they are (no set of them is made per answer).
   */
  private vocabulary(table: ItemTable): string[][] {
    const columns: string[][] = [];
    for (const name of this.facts.allowedFeatures) {
      const column = table.texts[name];
      // A dictionary-encoded column's dictionary is its distinct values already.
      if (column) columns.push(isDictionaryColumn(column) ? column.dictionary : column.values);
    }
    return columns;
  }
}

/** The item's row of the feature table, by feature name (the facts builder keeps only what is allowed). */
function rowValues(table: ItemTable, row: number | undefined): Record<string, unknown> {
  if (row === undefined) return {};
  const values: Record<string, unknown> = {};
  for (const [name, column] of Object.entries(table.texts)) values[name] = textAt(column, row);
  for (const [name, column] of Object.entries(table.numbers)) values[name] = column.values[row];
  return values;
}
