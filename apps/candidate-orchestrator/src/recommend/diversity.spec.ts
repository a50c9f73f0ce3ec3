import { diversify } from './diversity';

const ATTRIBUTES: Record<string, { creator: string; category: string }> = {
  a: { creator: 'c1', category: 'books' },
  b: { creator: 'c1', category: 'books' },
  c: { creator: 'c1', category: 'music' },
  d: { creator: 'c2', category: 'books' },
  e: { creator: 'c3', category: 'books' },
  f: { creator: 'c4', category: 'music' },
  g: { creator: '', category: '' },
};
const ranked = (ids: string) => [...ids].map((itemId) => ({ itemId }));
const ids = (items: { itemId: string }[]) => items.map((i) => i.itemId).join('');

describe(diversify.name, () => {
  const attributes = (item: { itemId: string }) => ATTRIBUTES[item.itemId];

  it('keeps at most N items of one creator, in ranked order', () => {
    expect(ids(diversify(ranked('abcdef'), attributes, { maxPerCreator: 2, maxPerCategory: 10 }, 10))).toBe('abdef');
  });

  it('keeps at most N items of one category, in ranked order', () => {
    expect(ids(diversify(ranked('abcdef'), attributes, { maxPerCreator: 10, maxPerCategory: 2 }, 10))).toBe('abcf');
  });

  it('applies both caps at once and stops at the limit', () => {
    expect(ids(diversify(ranked('abcdefg'), attributes, { maxPerCreator: 1, maxPerCategory: 2 }, 3))).toBe('adf');
  });

  it('never caps items without a creator or category, and answers short rather than break a cap', () => {
    expect(ids(diversify(ranked('gggab'), attributes, { maxPerCreator: 1, maxPerCategory: 1 }, 10))).toBe('ggga');
  });
});
