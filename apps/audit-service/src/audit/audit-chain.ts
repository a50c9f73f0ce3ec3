import { createHash } from 'node:crypto';

/** The predecessor of a tenant's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a chained record's hash covers: every field a reader relies on, and its position in the chain. */
export interface ChainedContent {
  tenantId: string;
  chainSeq: number;
  recordId: string;
  actor: string;
  action: string;
  target: string;
  reason: string;
  occurredAtMs: number;
  requestId: string;
  /** The details as stored (parsed JSON), or null. */
  details: unknown;
}

/**
 * SHA-256 (hex) over the predecessor's hash and a canonical JSON of the content: object keys sorted at every
 * depth, so the hash survives PostgreSQL's jsonb normalization of the stored details.
 */
export function chainHash(prevHash: string, content: ChainedContent): string {
  const canonical = canonicalJson([
    content.tenantId,
    content.chainSeq,
    content.recordId,
    content.actor,
    content.action,
    content.target,
    content.reason,
    content.occurredAtMs,
    content.requestId,
    content.details ?? null,
  ]);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** A stored chained record, as verification reads it. */
export interface StoredChainRecord extends ChainedContent {
  prevHash: string;
  hash: string;
}

export interface ChainCheck {
  intact: boolean;
  recordsChecked: number;
  firstBrokenSeq: number;
  firstBrokenRecordId: string;
  problem: string;
}

/**
 * Walks a tenant's chain in order (pages of records with ascending chain_seq) and names the first broken link:
 * a record whose content no longer matches its hash (edited), a position missing or out of order (deleted or
 * moved), a record whose predecessor hash does not match (inserted or reordered), or a chain that ends before
 * the recorded head (removed tail).
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  private checked = 0;
  private broken?: ChainCheck;

  /** Feeds the next page; false once a break is found (no need to read further). */
  feed(records: readonly StoredChainRecord[]): boolean {
    for (const r of records) {
      if (this.broken) return false;
      this.checked += 1;
      if (r.chainSeq !== this.expectedSeq) {
        this.fail(
          this.expectedSeq,
          r.chainSeq > this.expectedSeq ? '' : r.recordId,
          r.chainSeq > this.expectedSeq ? 'record missing (deleted)' : 'record out of order',
        );
      } else if (r.prevHash !== this.prevHash) {
        this.fail(r.chainSeq, r.recordId, 'predecessor hash does not match (a record before it was changed, removed or moved)');
      } else if (chainHash(r.prevHash, r) !== r.hash) {
        this.fail(r.chainSeq, r.recordId, 'content changed');
      } else {
        this.prevHash = r.hash;
        this.expectedSeq += 1;
      }
    }
    return !this.broken;
  }

  /** The verdict, given the tenant's recorded head (last position and hash). */
  finish(head: { lastSeq: number; lastHash: string } | undefined): ChainCheck {
    if (this.broken) return this.broken;
    const lastSeq = this.expectedSeq - 1;
    if (!head && lastSeq > 0) return this.result(false, lastSeq, '', 'chain head missing');
    if (head && (head.lastSeq !== lastSeq || head.lastHash !== this.prevHash)) {
      return this.result(
        false,
        head.lastSeq > lastSeq ? lastSeq + 1 : head.lastSeq,
        '',
        head.lastSeq > lastSeq ? 'records missing at the end of the chain' : 'chain head does not match the last record',
      );
    }
    return this.result(true, 0, '', '');
  }

  private fail(seq: number, recordId: string, problem: string): void {
    this.broken = this.result(false, seq, recordId, problem);
  }

  private result(intact: boolean, firstBrokenSeq: number, firstBrokenRecordId: string, problem: string): ChainCheck {
    return { intact, recordsChecked: this.checked, firstBrokenSeq, firstBrokenRecordId, problem };
  }
}
