/** The hand-curated "home" shelf: what an editor would pin, i.e. strong, non-sensitive, varied items. */
import type { DemoItem, EditorialEntry } from './types';

export const EDITORIAL_SURFACE = 'home';
export const EDITORIAL_SIZE = 20;

/** Round-robin over non-sensitive categories, best quality first in each, so the shelf is spread out. */
export function pickEditorial(tenantId: string, items: DemoItem[]): EditorialEntry[] {
  const byCategory = new Map<string, DemoItem[]>();
  for (const item of items) {
    if (item.tenantId !== tenantId || item.sensitive) continue;
    const list = byCategory.get(item.category) ?? [];
    list.push(item);
    byCategory.set(item.category, list);
  }
  const queues = [...byCategory.values()].map((list) =>
    list.sort((a, b) => b.qualityScore - a.qualityScore || a.itemId.localeCompare(b.itemId)),
  );
  const picked: DemoItem[] = [];
  for (let round = 0; picked.length < EDITORIAL_SIZE && queues.some((q) => q.length > round); round++) {
    for (const queue of queues) {
      if (picked.length < EDITORIAL_SIZE && round < queue.length) picked.push(queue[round]);
    }
  }
  return picked.map((item, i) => ({ tenantId, surface: EDITORIAL_SURFACE, itemId: item.itemId, position: i + 1 }));
}
