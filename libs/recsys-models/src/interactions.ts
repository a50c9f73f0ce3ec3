/**
 * Implicit-feedback interactions and the sparse user × item matrix every model trains on. Ids are opaque
 * strings (pseudonymous subject ids, tenant item ids); models work on dense indices and map back at the edge.
 */

export interface Interaction {
  user: string;
  item: string;
  /** Strength of the interaction (> 0): an event weight, or 1 for a rating. */
  weight: number;
  /** When it happened (ms since epoch). */
  timestampMs: number;
}

/** Ids to dense indices and back. */
export class IdIndex {
  readonly ids: string[] = [];
  private readonly byId = new Map<string, number>();

  static of(ids: Iterable<string>): IdIndex {
    const index = new IdIndex();
    for (const id of ids) index.add(id);
    return index;
  }

  add(id: string): number {
    let i = this.byId.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(id);
      this.byId.set(id, i);
    }
    return i;
  }

  get(id: string): number | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.ids.length;
  }
}

/**
 * A user × item matrix in compressed sparse rows: repeated (user, item) pairs are summed; `latest` keeps the
 * time of the user's last interaction with the item.
 */
export class InteractionMatrix {
  private constructor(
    readonly users: IdIndex,
    readonly items: IdIndex,
    /** Row r spans indptr[r] .. indptr[r+1] of indices/weights/latest, items in ascending index order. */
    readonly indptr: Int32Array,
    readonly indices: Int32Array,
    readonly weights: Float64Array,
    readonly latest: Float64Array,
  ) {}

  /** Builds the matrix; `items` fixes the item index (so train and test share it), else items are added as met. */
  static from(rows: readonly Interaction[], items: IdIndex = new IdIndex()): InteractionMatrix {
    const users = new IdIndex();
    const perUser: Map<number, { w: number; t: number }>[] = [];
    for (const r of rows) {
      if (!(r.weight > 0)) continue;
      const u = users.add(r.user);
      const i = items.add(r.item);
      const row = (perUser[u] ??= new Map());
      const cell = row.get(i);
      if (cell) {
        cell.w += r.weight;
        cell.t = Math.max(cell.t, r.timestampMs);
      } else row.set(i, { w: r.weight, t: r.timestampMs });
    }
    const indptr = new Int32Array(users.size + 1);
    for (let u = 0; u < users.size; u++) indptr[u + 1] = indptr[u] + perUser[u].size;
    const nnz = indptr[users.size];
    const indices = new Int32Array(nnz);
    const weights = new Float64Array(nnz);
    const latest = new Float64Array(nnz);
    for (let u = 0; u < users.size; u++) {
      let p = indptr[u];
      for (const [i, cell] of [...perUser[u]].sort((a, b) => a[0] - b[0])) {
        indices[p] = i;
        weights[p] = cell.w;
        latest[p] = cell.t;
        p++;
      }
    }
    return new InteractionMatrix(users, items, indptr, indices, weights, latest);
  }

  get nnz(): number {
    return this.indices.length;
  }

  /** The items of user row u with their weights. */
  row(u: number): { indices: Int32Array; weights: Float64Array } {
    return {
      indices: this.indices.subarray(this.indptr[u], this.indptr[u + 1]),
      weights: this.weights.subarray(this.indptr[u], this.indptr[u + 1]),
    };
  }

  /** Distinct users per item. */
  itemSupport(): Int32Array {
    const support = new Int32Array(this.items.size);
    for (const i of this.indices) support[i]++;
    return support;
  }

  /** Item-major copy (compressed sparse columns): users of each item. */
  transpose(): { indptr: Int32Array; indices: Int32Array; weights: Float64Array } {
    const counts = this.itemSupport();
    const indptr = new Int32Array(this.items.size + 1);
    for (let i = 0; i < this.items.size; i++) indptr[i + 1] = indptr[i] + counts[i];
    const fill = indptr.slice(0, this.items.size);
    const indices = new Int32Array(this.nnz);
    const weights = new Float64Array(this.nnz);
    for (let u = 0; u < this.users.size; u++) {
      for (let p = this.indptr[u]; p < this.indptr[u + 1]; p++) {
        const q = fill[this.indices[p]]++;
        indices[q] = u;
        weights[q] = this.weights[p];
      }
    }
    return { indptr, indices, weights };
  }
}
