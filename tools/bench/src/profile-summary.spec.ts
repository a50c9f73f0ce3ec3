import { formatSummary, frameName, summarize, summarizeAlloc, summarizeCpu } from './profile-summary';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber, scriptId: '0', columnNumber: 0 });

describe('profile summary', () => {
  it('adds up self time per function without idle, and with callers at a greater depth', () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 5] },
        { id: 2, callFrame: frame('serve', '/x/dist/apps/a/src/s.js', 9), children: [3, 4] },
        { id: 3, callFrame: frame('merge', '/x/dist/apps/a/src/m.js', 1) },
        { id: 4, callFrame: frame('read', '/x/node_modules/pkg/r.js', 4) },
        { id: 5, callFrame: frame('(idle)') },
      ],
      samples: [3, 3, 4, 5, 2, 3],
      timeDeltas: [100, 100, 50, 1000, 25, 100],
    };
    const byFunction = summarizeCpu(profile, 10, 1);
    expect(byFunction.total).toBe(375);
    expect(byFunction.rows.map((r) => [r.stack, r.amount])).toEqual([
      ['merge apps/a/src/m.js:2', 300],
      ['read pkg/r.js:5', 50],
      ['serve apps/a/src/s.js:10', 25],
    ]);
    expect(byFunction.rows[0].share).toBeCloseTo(0.8, 9);
    expect(summarizeCpu(profile, 1, 2).rows).toEqual([
      { stack: 'merge apps/a/src/m.js:2 < serve apps/a/src/s.js:10', amount: 300, share: 0.8 },
    ]);
    expect(summarize(profile).kind).toBe('cpu');
  });

  it('adds up allocated bytes per function of a heap profile, with callers at a greater depth', () => {
    const profile = {
      head: {
        callFrame: frame('(root)'),
        selfSize: 0,
        children: [
          {
            callFrame: frame('serve', '/x/dist/s.js', 0),
            selfSize: 10,
            children: [
              { callFrame: frame('push'), selfSize: 30, children: [] },
              {
                callFrame: frame('merge', '/x/dist/m.js', 2),
                selfSize: 60,
                children: [{ callFrame: frame('push'), selfSize: 20, children: [] }],
              },
            ],
          },
        ],
      },
    };
    const byFunction = summarizeAlloc(profile);
    expect(byFunction.total).toBe(120);
    expect(byFunction.rows.map((r) => [r.stack, r.amount])).toEqual([
      ['merge m.js:3', 60],
      ['push', 50],
      ['serve s.js:1', 10],
    ]);
    expect(summarizeAlloc(profile, 10, 2).rows.map((r) => r.stack)).toEqual([
      'merge m.js:3 < serve s.js:1',
      'push < serve s.js:1',
      'push < merge m.js:3',
      'serve s.js:1',
    ]);
    expect(formatSummary(byFunction).split('\n')[1]).toMatch(/^ 50\.00%\s+0\.0 MB  merge m\.js:3$/);
    expect(summarize(profile).kind).toBe('alloc');
  });

  it('names frames by file past node_modules or dist, and refuses a file of neither format', () => {
    expect(frameName(frame('f', '/a/node_modules/@grpc/grpc-js/build/src/client.js', 122))).toBe('f @grpc/grpc-js/build/src/client.js:123');
    expect(frameName(frame(''))).toBe('(anonymous)');
    expect(() => summarize({ something: 1 })).toThrow('not a V8 .cpuprofile or .heapprofile');
  });
});
