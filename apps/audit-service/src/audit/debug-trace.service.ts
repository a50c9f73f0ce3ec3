import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DebugTraceView, GetDebugTraceRequest, RecordDebugTracesRequest } from '@recsys/proto';
import {
  DEBUG_ROLES,
  DebugRole,
  DebugTraceDocument,
  InvalidArgumentError,
  AppError,
  ServiceMetrics,
  traceProblems,
  traceView,
} from '@recsys/service-kit';
import { isValidTenantId } from '@recsys/tenant-keys';
import { AuditRepository } from './audit.repository';

const MAX_TRACES = 100;
/** A time further ahead than this would escape retention: refused. */
const MAX_CLOCK_SKEW_MS = 10 * 60_000;
const MAX_TRACE_BYTES = 256 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const ACTOR = /^[A-Za-z0-9._:-]{1,64}$/;
/** What a reason may not hold: it goes on the append-only chain, so it must say why, never whom. */
const PERSONAL_TEXT = /@|\d{9,}/;
/** A privacy officer states the purpose the read serves: `purpose:<registry purpose>` (and may add a ticket). */
const PURPOSE = /(?:^|\s)purpose:([a-z_]+)(?:\s|$)/;

/**
 * Debug traces (seed §23): sampled per-request traces of Recommend, stored as their sender redacted them (and
 * refused when they still hold an id or an unmasked restricted value), kept 7 days, and read only through a
 * role's view. Every read — granted or refused — is counted in `debug_access_count` and written to the
 * hash-chained audit trail with actor, role and reason.
 */
export class DebugTraceService {
  private readonly access;
  private readonly refusedTraces;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditRepository,
    metrics: ServiceMetrics,
    /** The roles each operator may read as (DEBUG_TRACE_OPERATORS); an operator not listed reads nothing. */
    private readonly operators: ReadonlyMap<string, ReadonlySet<string>>,
  ) {
    this.access = metrics.counter('debug_access_count', 'Debug trace reads by role and outcome.', ['role', 'outcome']);
    this.refusedTraces = metrics.counter('debug_traces_refused_total', 'Debug traces refused at storage because they were not redacted.');
  }

  async record(req: RecordDebugTracesRequest): Promise<number> {
    if (req.traces.length > MAX_TRACES) throw new InvalidArgumentError([`at most ${MAX_TRACES} traces per call`]);
    const rows: { tenant_id: string; request_id: string; subject_hash: string; occurred_at_ms: number; trace: string; bytes: number }[] =
      [];
    const problems: string[] = [];
    req.traces.forEach((t, i) => {
      const bytes = Buffer.byteLength(t.traceJson);
      if (!isValidTenantId(t.tenantId)) problems.push(`traces[${i}].tenant_id is missing or invalid`);
      if (!REQUEST_ID.test(t.requestId)) problems.push(`traces[${i}].request_id is missing or invalid`);
      if (bytes > MAX_TRACE_BYTES) problems.push(`traces[${i}] is larger than ${MAX_TRACE_BYTES} bytes`);
      let doc: DebugTraceDocument;
      try {
        doc = JSON.parse(t.traceJson) as DebugTraceDocument;
      } catch {
        problems.push(`traces[${i}].trace_json is not JSON`);
        return;
      }
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
        problems.push(`traces[${i}].trace_json must be a trace document (an object)`);
        return;
      }
      if (!(t.occurredAtMs > 0) || t.occurredAtMs > Date.now() + MAX_CLOCK_SKEW_MS) {
        problems.push(`traces[${i}].occurred_at_ms must be a time, not in the future`);
        return;
      }
      const wrong = traceProblems(doc);
      if (doc.tenant_id !== t.tenantId || doc.request_id !== t.requestId) wrong.push('tenant_id and request_id must match the document');
      if (wrong.length > 0) {
        this.refusedTraces.inc();
        problems.push(...wrong.map((w) => `traces[${i}]: ${w}`));
        return;
      }
      rows.push({
        tenant_id: t.tenantId,
        request_id: t.requestId,
        subject_hash: doc.subject_hash,
        occurred_at_ms: t.occurredAtMs,
        trace: t.traceJson,
        bytes,
      });
    });
    if (problems.length > 0) throw new InvalidArgumentError(problems.slice(0, 20));
    if (rows.length === 0) return 0;
    const stored = (await this.dataSource.query(
      `INSERT INTO audit.debug_trace (tenant_id, request_id, subject_hash, occurred_at, trace, payload_bytes)
       SELECT r.tenant_id, r.request_id, r.subject_hash, to_timestamp(r.occurred_at_ms / 1000.0), r.trace::jsonb, r.bytes
       FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id text, request_id text, subject_hash text, occurred_at_ms bigint, trace text, bytes int)
       WHERE NOT EXISTS (
         SELECT 1 FROM audit.erased_trace_subject x
         WHERE x.tenant_id = r.tenant_id AND x.subject_hash = r.subject_hash AND to_timestamp(r.occurred_at_ms / 1000.0) <= x.erased_at)
       ON CONFLICT (tenant_id, request_id) DO NOTHING RETURNING 1`,
      [JSON.stringify(rows)],
    )) as unknown[];
    return stored.length;
  }

  async get(req: GetDebugTraceRequest): Promise<DebugTraceView> {
    const problems: string[] = [];
    if (!isValidTenantId(req.tenantId)) problems.push('tenant_id is missing or invalid');
    if (!REQUEST_ID.test(req.requestId)) problems.push('request_id is missing or invalid');
    if (!(DEBUG_ROLES as readonly string[]).includes(req.role)) problems.push(`role must be one of ${DEBUG_ROLES.join(', ')}`);
    if (!ACTOR.test(req.actor)) problems.push('actor (the operator reading) is required: 1-64 characters of A-Z a-z 0-9 . _ : -');
    if (req.reason.trim().length < 3 || req.reason.length > 200) problems.push('reason is required (3-200 characters)');
    else if (PERSONAL_TEXT.test(req.reason))
      problems.push('reason must not hold an e-mail address or a long number: write why, never whom');
    const purpose = PURPOSE.exec(req.reason)?.[1] ?? '';
    if (req.role === 'privacy_officer' && !purpose)
      problems.push('a privacy_officer states the purpose: reason must contain "purpose:<purpose>"');
    if (problems.length === 0 && !this.operators.get(req.actor)?.has(req.role)) {
      problems.push(`operator ${req.actor} may not read debug traces as ${req.role} (DEBUG_TRACE_OPERATORS)`);
    }
    const role = (DEBUG_ROLES as readonly string[]).includes(req.role) ? req.role : 'none';
    if (problems.length > 0) {
      this.access.inc({ role, outcome: 'refused' });
      if (isValidTenantId(req.tenantId)) await this.auditRead(req, 'refused');
      throw new InvalidArgumentError(problems);
    }
    const rows = (await this.dataSource.query(`SELECT trace FROM audit.debug_trace WHERE tenant_id = $1 AND request_id = $2`, [
      req.tenantId,
      req.requestId,
    ])) as { trace: DebugTraceDocument }[];
    const outcome = rows.length === 0 ? 'not_found' : 'granted';
    this.access.inc({ role, outcome });
    await this.auditRead(req, outcome);
    if (rows.length === 0) throw new AppError('NOT_FOUND', 'no debug trace with this request id in this tenant (traces are kept 7 days)');
    const view = traceView(rows[0].trace, req.role as DebugRole, purpose);
    return { requestId: req.requestId, role: req.role, traceJson: JSON.stringify(view) };
  }

  /** Every read goes on the chain, before the trace is returned. */
  private async auditRead(req: GetDebugTraceRequest, outcome: string): Promise<void> {
    await this.audit.append([
      {
        tenantId: req.tenantId,
        recordId: randomUUID(),
        actor: ACTOR.test(req.actor) ? `operator:${req.actor}` : 'operator:unknown',
        action: 'debug_trace.read',
        target: REQUEST_ID.test(req.requestId) ? `trace:${req.requestId}` : 'trace:invalid',
        // Only a reason that passed the checks is kept: the chain is append-only.
        reason:
          outcome === 'refused' && (PERSONAL_TEXT.test(req.reason) || req.reason.length > 200)
            ? '(withheld: failed the checks)'
            : req.reason,
        occurredAtMs: Date.now(),
        requestId: req.requestId.slice(0, 128),
        detailsJson: JSON.stringify({ role: req.role.slice(0, 32), outcome }),
        seq: 0,
        hash: '',
      },
    ]);
  }
}

/**
 * DEBUG_TRACE_OPERATORS: `operator:role|role,...`, for example `ops-jane:privacy_officer,ops-bob:viewer|engineer`.
 * Throws on a malformed entry or an unknown role.
 */
export function parseDebugOperators(value: string): Map<string, Set<string>> {
  const operators = new Map<string, Set<string>>();
  for (const entry of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [actor, roles, extra] = entry.split(':');
    if (extra !== undefined || !actor || !roles || !ACTOR_NAME.test(actor))
      throw new Error(`DEBUG_TRACE_OPERATORS: "${entry}" is not operator:role|role`);
    for (const role of roles.split('|')) {
      if (!(DEBUG_ROLES as readonly string[]).includes(role))
        throw new Error(`DEBUG_TRACE_OPERATORS: ${role} is not one of ${DEBUG_ROLES.join(', ')}`);
      operators.set(actor, (operators.get(actor) ?? new Set()).add(role));
    }
  }
  return operators;
}

const ACTOR_NAME = /^[A-Za-z0-9._-]{1,64}$/;
