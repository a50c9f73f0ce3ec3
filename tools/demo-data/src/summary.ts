/** Per-tenant headline numbers of a generated data set, for the seed CLI to print. */
import type { DemoData } from './types';

export interface TenantSummary {
  tenantId: string;
  items: number;
  users: number;
  events: number;
  categories: number;
  sensitiveItems: number;
  /** Share of the tenant's events that hit its 10 most-interacted items (0..1). */
  top10ItemShare: number;
}

export function summarize(data: DemoData): TenantSummary[] {
  return data.tenants.map(({ tenantId, categories }) => {
    const items = data.items.filter((i) => i.tenantId === tenantId);
    const events = data.events.filter((e) => e.tenantId === tenantId);
    const perItem = new Map<string, number>();
    for (const e of events) perItem.set(e.itemId, (perItem.get(e.itemId) ?? 0) + 1);
    const top10 = [...perItem.values()]
      .sort((a, b) => b - a)
      .slice(0, 10)
      .reduce((a, b) => a + b, 0);
    return {
      tenantId,
      items: items.length,
      users: data.users.filter((u) => u.tenantId === tenantId).length,
      events: events.length,
      categories: categories.length,
      sensitiveItems: items.filter((i) => i.sensitive).length,
      top10ItemShare: events.length > 0 ? top10 / events.length : 0,
    };
  });
}
