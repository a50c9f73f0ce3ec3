import { ContentIndex, ContentItem, words } from './content';
import { selectTop } from './retrieval';

const CATALOG: ContentItem[] = [
  { itemId: 'm1', category: 'Drama', tags: ['love', 'paris'], title: 'Love in Paris' },
  { itemId: 'm2', category: 'Drama', tags: ['love'], title: 'The Long Goodbye' },
  { itemId: 'm3', category: 'Comedy', tags: ['paris'], title: 'Paris Nights' },
  { itemId: 'm4', category: 'Action', tags: ['cars'], title: 'Fast Cars 2' },
  { itemId: 'm5', category: 'Drama', tags: ['war'], title: 'War Stories' },
  { itemId: 'm6', category: 'Comedy', tags: ['love'], title: 'Love Actually' },
];

/**
 * Reference TF-IDF cosine as documented: category weight 2, each tag 1, each title word 0.5 (stop words and
 * one-letter words dropped, by hand below); idf = ln((1 + N) / (1 + df)) + 1; vectors L2-normalized.
 */
const TERMS: Record<string, Record<string, number>> = {
  m1: { 'c:drama': 2, 't:love': 1, 't:paris': 1, 'w:love': 0.5, 'w:paris': 0.5 },
  m2: { 'c:drama': 2, 't:love': 1, 'w:long': 0.5, 'w:goodbye': 0.5 },
  m3: { 'c:comedy': 2, 't:paris': 1, 'w:paris': 0.5, 'w:nights': 0.5 },
  m4: { 'c:action': 2, 't:cars': 1, 'w:fast': 0.5, 'w:cars': 0.5 },
  m5: { 'c:drama': 2, 't:war': 1, 'w:war': 0.5, 'w:stories': 0.5 },
  m6: { 'c:comedy': 2, 't:love': 1, 'w:love': 0.5, 'w:actually': 0.5 },
};
const DF = new Map<string, number>();
for (const terms of Object.values(TERMS)) for (const t of Object.keys(terms)) DF.set(t, (DF.get(t) ?? 0) + 1);
const idf = (t: string) => Math.log(7 / (1 + DF.get(t)!)) + 1;
function unit(terms: Record<string, number>): Map<string, number> {
  const v = new Map(
    Object.entries(terms)
      .filter(([t]) => DF.has(t))
      .map(([t, w]): [string, number] => [t, w * idf(t)]),
  );
  const norm = Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0));
  return new Map([...v].map(([t, x]) => [t, x / norm]));
}
const cosine = (a: Map<string, number>, b: Map<string, number>) => [...a].reduce((s, [t, x]) => s + x * (b.get(t) ?? 0), 0);

describe(words.name, () => {
  it('lower-cases word tokens and drops stop words, one-letter words and numbers', () => {
    expect(words('The Godfather: Part II (1972)')).toEqual(['godfather', 'part', 'ii']);
    expect(words('A Tale of Two Cities')).toEqual(['tale', 'two', 'cities']);
    expect(words("Amélie x 2001 don't")).toEqual(['amélie', "don't"]);
    expect(words('')).toEqual([]);
  });
});

describe(ContentIndex.name, () => {
  const index = new ContentIndex(CATALOG);

  it('scores every item sharing a term with the seed by TF-IDF cosine, excluding the seed itself', () => {
    const scores = index.similarToItem('m1');
    const seed = unit(TERMS.m1);
    expect([...scores.keys()].sort()).toEqual(['m2', 'm3', 'm5', 'm6']);
    for (const [id, s] of scores) expect(s).toBeCloseTo(cosine(seed, unit(TERMS[id])), 12);
  });

  it('ranks same-category items first (the one also sharing a tag on top), then shared-tag items, and never unrelated ones', () => {
    const order = [...index.similarToItem('m1')].sort((a, b) => b[1] - a[1]).map(([id]) => id);
    // m2: Drama + tag love; m5: Drama only; m3 and m6 share a tag and a title word but not the category.
    expect(order.slice(0, 2)).toEqual(['m2', 'm5']);
    expect(order.slice(2).sort()).toEqual(['m3', 'm6']);
    expect(order).not.toContain('m4');
    expect(index.similarToItem('m4')).toEqual(new Map());
    expect(index.similarToItem('unknown')).toEqual(new Map());
  });

  it('gives each seed the best `limit` of similarToItem, with the same scores, however many seeds came before', () => {
    const categories = ['drama', 'comedy', 'horror', 'news'];
    const tags = ['paris', 'love', 'war', 'space', 'cats', 'music'];
    const catalog = Array.from({ length: 300 }, (_, i) => ({
      itemId: `g${i}`,
      category: categories[i % categories.length],
      tags: [tags[i % tags.length], tags[(i * 7) % tags.length]],
      title: `title ${tags[(i * 3) % tags.length]} ${i % 5 === 0 ? 'special' : 'plain'}`,
    }));
    const generated = new ContentIndex(catalog);
    for (const round of [1, 2])
      for (const { itemId } of catalog.filter((_, i) => i % (round === 1 ? 7 : 11) === 0)) {
        const top = generated.topSimilarToItem(itemId, 25);
        expect(top).toEqual(selectTop(generated.similarToItem(itemId), 25));
        expect(top.map(([id]) => id)).not.toContain(itemId);
      }
    expect(generated.topSimilarToItem('unknown', 5)).toEqual([]);
  });

  it('matches a query word against categories, tags and title words', () => {
    const scores = index.matchingQuery('Paris');
    // 'c:paris' is no catalog term, so the query vector is t:paris (1) and w:paris (0.5).
    const query = unit({ 't:paris': 1, 'w:paris': 0.5 });
    expect([...scores.keys()].sort()).toEqual(['m1', 'm3']);
    expect(scores.get('m3')).toBeCloseTo(cosine(query, unit(TERMS.m3)), 12);
    expect(scores.get('m1')).toBeCloseTo(cosine(query, unit(TERMS.m1)), 12);
  });

  it('ranks items matching more query words higher and returns nothing for unknown words', () => {
    const scores = index.matchingQuery('comedy love');
    expect([...scores].sort((a, b) => b[1] - a[1])[0][0]).toBe('m6');
    expect(scores.has('m4')).toBe(false);
    expect(index.matchingQuery('zebra the of')).toEqual(new Map());
  });
});
