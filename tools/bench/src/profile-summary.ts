/**
 * The heaviest functions of a profile a benchmark wrote with `--cpu-prof` (`.cpuprofile`: self time, idle left out)
 * or `--alloc-prof` (`.heapprofile`: bytes allocated), each as its share and amount, with up to `depth` of its
 * callers (depth 1: the function alone). The command is summarize-profile.ts (`npm run profile:summary`).
 */

/** A V8 call frame, as both profile formats give it. */
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** `.cpuprofile`: nodes with their children's ids, and the sampled node and time delta (µs) of each sample. */
export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** `.heapprofile`: a tree of nodes with the bytes sampled at each. */
export interface HeapProfile {
  head: HeapNode;
}
interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

export interface SummaryRow {
  /** The function (`name file:line`, 1-based), then its callers, nearest first, joined by ` < `. */
  stack: string;
  /** Microseconds (CPU) or bytes (allocation). */
  amount: number;
  share: number;
}

export interface Summary {
  kind: 'cpu' | 'alloc';
  /** Busy microseconds (CPU) or bytes sampled (allocation). */
  total: number;
  rows: SummaryRow[];
}

/** A frame as one line: the function, its file shortened past node_modules/ or dist/, its 1-based line. */
export function frameName(frame: CallFrame): string {
  const file = frame.url.replace(/^.*\/node_modules\//, '').replace(/^.*\/dist\//, '');
  return `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`;
}

function top(amounts: Map<string, number>, total: number, limit: number): SummaryRow[] {
  return [...amounts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([stack, amount]) => ({ stack, amount, share: total > 0 ? amount / total : 0 }));
}

/** Self time by function (and callers) of a CPU profile, without the idle samples. */
export function summarizeCpu(profile: CpuProfile, limit = 30, depth = 1): Summary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const amounts = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!node || node.callFrame.functionName === '(idle)') return;
    total += delta;
    const names: string[] = [];
    for (let at: number | undefined = id; at !== undefined && names.length < depth; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || frame.functionName === '(root)') break;
      names.push(frameName(frame));
    }
    const stack = names.join(' < ');
    amounts.set(stack, (amounts.get(stack) ?? 0) + delta);
  });
  return { kind: 'cpu', total, rows: top(amounts, total, limit) };
}

/** Bytes allocated by function (and callers) of a sampling heap profile. */
export function summarizeAlloc(profile: HeapProfile, limit = 30, depth = 1): Summary {
  const amounts = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode, callers: string[]) => {
    const names = node.callFrame.functionName === '(root)' ? callers : [frameName(node.callFrame), ...callers];
    if (node.selfSize > 0) {
      total += node.selfSize;
      const stack = names.slice(0, depth).join(' < ');
      amounts.set(stack, (amounts.get(stack) ?? 0) + node.selfSize);
    }
    for (const child of node.children ?? []) walk(child, names);
  };
  walk(profile.head, []);
  return { kind: 'alloc', total, rows: top(amounts, total, limit) };
}

/** The summary of a profile file's contents, by its format (a CPU profile has samples, a heap profile a head). */
export function summarize(profile: unknown, limit?: number, depth?: number): Summary {
  const p = profile as Partial<CpuProfile & HeapProfile>;
  if (Array.isArray(p.nodes) && Array.isArray(p.samples) && Array.isArray(p.timeDeltas)) return summarizeCpu(p as CpuProfile, limit, depth);
  if (p.head && typeof p.head === 'object') return summarizeAlloc(p as HeapProfile, limit, depth);
  throw new Error('not a V8 .cpuprofile or .heapprofile');
}

export function formatSummary(summary: Summary): string {
  const amount = (v: number) => (summary.kind === 'cpu' ? `${(v / 1000).toFixed(0)} ms` : `${(v / 1048576).toFixed(1)} MB`);
  const head = summary.kind === 'cpu' ? `busy ${amount(summary.total)}` : `allocated (sampled) ${amount(summary.total)}`;
  return [
    head,
    ...summary.rows.map((r) => `${(100 * r.share).toFixed(2).padStart(6)}%  ${amount(r.amount).padStart(10)}  ${r.stack}`),
  ].join('\n');
}
