import { gunzipSync, gzipSync } from 'node:zlib';
import { ItemEmbeddings, ItemNeighbors } from '@recsys/models';

/** The retrieval artifacts of one trained model version, as stored in features.model.artifacts. */
export interface StoredArtifacts {
  cf: ItemNeighbors;
  embeddings: ItemEmbeddings;
}

const FORMAT = 1;

const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
function typed<T>(text: string, make: (buffer: ArrayBuffer) => T): T {
  const bytes = Buffer.from(text, 'base64');
  // Copy into a fresh, aligned buffer: typed arrays need their element alignment.
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return make(copy);
}

/** gzip'd JSON with typed arrays in base64: compact, versioned, and readable without this code's types. */
export function encodeArtifacts(a: StoredArtifacts): Buffer {
  const doc = {
    format: FORMAT,
    cf: { items: a.cf.items, indptr: b64(a.cf.indptr), indices: b64(a.cf.indices), weights: b64(a.cf.weights) },
    embeddings: {
      items: a.embeddings.items,
      factors: a.embeddings.factors,
      alpha: a.embeddings.alpha,
      vectors: b64(a.embeddings.vectors),
      gramian: b64(a.embeddings.gramian),
    },
  };
  return gzipSync(JSON.stringify(doc));
}

export function decodeArtifacts(blob: Buffer): StoredArtifacts {
  const doc = JSON.parse(gunzipSync(blob).toString('utf8')) as {
    format: number;
    cf: { items: string[]; indptr: string; indices: string; weights: string };
    embeddings: { items: string[]; factors: number; alpha: number; vectors: string; gramian: string };
  };
  if (doc.format !== FORMAT) throw new Error(`model artifacts format ${doc.format} is not supported (expected ${FORMAT})`);
  return {
    cf: {
      items: doc.cf.items,
      indptr: typed(doc.cf.indptr, (b) => new Int32Array(b)),
      indices: typed(doc.cf.indices, (b) => new Int32Array(b)),
      weights: typed(doc.cf.weights, (b) => new Float32Array(b)),
    },
    embeddings: {
      items: doc.embeddings.items,
      factors: doc.embeddings.factors,
      alpha: doc.embeddings.alpha,
      vectors: typed(doc.embeddings.vectors, (b) => new Float32Array(b)),
      gramian: typed(doc.embeddings.gramian, (b) => new Float64Array(b)),
    },
  };
}
