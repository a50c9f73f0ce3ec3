import { uniqueNamespace } from './unique';
import { waitFor } from './wait-for';

describe(waitFor.name, () => {
  it('resolves once the predicate turns true', async () => {
    let calls = 0;
    await waitFor(() => ++calls === 3, 1000, 1);
    expect(calls).toBe(3);
  });

  it('accepts an asynchronous predicate', async () => {
    let ready = false;
    setTimeout(() => (ready = true), 20);
    await expect(waitFor(async () => ready, 1000, 5)).resolves.toBeUndefined();
  });

  it('rejects after the timeout, with the last error the predicate threw', async () => {
    await expect(waitFor(() => false, 50, 5)).rejects.toThrow('condition not met within 50 ms');
    await expect(
      waitFor(
        () => {
          throw new Error('not connected yet');
        },
        50,
        5,
      ),
    ).rejects.toThrow('condition not met within 50 ms: not connected yet');
  });
});

describe(uniqueNamespace.name, () => {
  it('is a valid, lower-case key namespace, different on every call', () => {
    const names = Array.from({ length: 50 }, () => uniqueNamespace());
    for (const name of names) expect(name).toMatch(/^[a-z0-9_]{1,64}$/);
    expect(new Set(names).size).toBe(names.length);
    expect(uniqueNamespace('e2e')).toMatch(/^e2e_/);
  });

  it('refuses a prefix that would make an invalid namespace', () => {
    expect(() => uniqueNamespace('Bad-Prefix')).toThrow(/namespace prefix/);
  });
});
