/**
 * Deterministic, realistic demo data for the recommendation platform: pure functions, no database.
 * Same options -> byte-identical output (nowMs defaults to a fixed instant, never the wall clock).
 */
import { TENANT_CATALOGS, tenantSpec } from './catalog';
import { pickEditorial } from './editorial';
import { generateEvents } from './events';
import { generateItems } from './items';
import { Rng } from './random';
import type { DemoData, DemoDataOptions, DemoTenantSpec } from './types';
import { generateUsers } from './users';

export * from './types';
export { SMALL_REGION, SENSITIVE_CATEGORIES } from './catalog';
export { summarize, type TenantSummary } from './summary';

/** Fixed "now" of the demo world (2026-11-01T00:00:00Z). */
export const DEMO_NOW_MS = Date.UTC(2026, 10, 1);

export const DEMO_DEFAULTS: Readonly<Required<DemoDataOptions>> = Object.freeze({
  seed: 42,
  itemsPerTenant: 2500,
  usersPerTenant: 2000,
  meanEventsPerUser: 25,
  nowMs: DEMO_NOW_MS,
  tenants: Object.freeze(['demo-retail', 'demo-media']) as string[],
});

export const DEMO_TENANTS: DemoTenantSpec[] = TENANT_CATALOGS.map(tenantSpec);

export function generateDemoData(options: DemoDataOptions = {}): DemoData {
  const opts = resolveOptions(options);
  const data: DemoData = { tenants: [], items: [], users: [], events: [], editorial: [] };
  for (const tenantId of opts.tenants) {
    const catalog = TENANT_CATALOGS.find((c) => c.tenantId === tenantId)!;
    // Each tenant and each stage gets its own stream, so e.g. dropping a tenant or changing the event
    // volume leaves the other tenant's data and this tenant's catalog untouched.
    const rng = new Rng(opts.seed).fork(tenantId);
    const { items, popularity } = generateItems(catalog, opts.itemsPerTenant, rng.fork('items'), opts.nowMs);
    const users = generateUsers(catalog, opts.usersPerTenant, rng.fork('users'));
    const events = generateEvents(
      { catalog, items, popularity, users, meanEventsPerUser: opts.meanEventsPerUser, nowMs: opts.nowMs },
      rng.fork('events'),
    );
    data.tenants.push(tenantSpec(catalog));
    append(data.items, items);
    append(data.users, users);
    append(data.events, events);
    append(data.editorial, pickEditorial(tenantId, items));
  }
  return data;
}

function resolveOptions(options: DemoDataOptions): Required<DemoDataOptions> {
  const opts: Required<DemoDataOptions> = { ...DEMO_DEFAULTS, ...stripUndefined(options) };
  for (const key of ['itemsPerTenant', 'usersPerTenant'] as const) {
    if (!Number.isInteger(opts[key]) || opts[key] < 0) throw new Error(`${key} must be a non-negative integer`);
  }
  if (!Number.isFinite(opts.seed)) throw new Error('seed must be a finite number');
  if (!Number.isFinite(opts.nowMs)) throw new Error('nowMs must be a finite number');
  if (!(opts.meanEventsPerUser >= 0)) throw new Error('meanEventsPerUser must be >= 0');
  const unknown = opts.tenants.filter((t) => !TENANT_CATALOGS.some((c) => c.tenantId === t));
  if (unknown.length > 0) {
    throw new Error(`unknown demo tenant(s) ${unknown.join(', ')}; known: ${DEMO_DEFAULTS.tenants.join(', ')}`);
  }
  return { ...opts, tenants: [...new Set(opts.tenants)] };
}

function stripUndefined(options: DemoDataOptions): DemoDataOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

/** Array push without spread: spreading 100k+ elements can exceed the engine's argument limit. */
function append<T>(target: T[], source: readonly T[]): void {
  for (const value of source) target.push(value);
}
