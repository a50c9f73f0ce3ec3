import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ServiceMetrics } from '@recsys/service-kit';
import { KillSwitches, parseKillSwitches } from './kill-switches';

const KNOWN = new Set(['user_cf', 'user_two_tower', 'item_to_item', 'session_intent', 'editorial']);

describe(KillSwitches.name, () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kill-'));
    file = join(dir, 'kill-switches.yaml');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const create = (fixed = '') =>
    new KillSwitches(parseKillSwitches(fixed, KNOWN), file, 50, KNOWN, new ServiceMetrics('test'), pino({ level: 'silent' }));

  it('disables a source everywhere, or for one tenant only', () => {
    writeFileSync(file, 'disabled: [user_two_tower, acme/item_to_item]\n');
    const switches = create();
    expect(switches.disables('acme', 'user_two_tower')).toBe(true);
    expect(switches.disables('globex', 'user_two_tower')).toBe(true);
    expect(switches.disables('acme', 'item_to_item')).toBe(true);
    expect(switches.disables('globex', 'item_to_item')).toBe(false);
    expect(switches.disables('acme', 'user_cf')).toBe(false);
  });

  it('takes a changed file without a restart, and says so in the fingerprint', () => {
    writeFileSync(file, 'disabled: []\n');
    const switches = create('editorial');
    expect(switches.disables('acme', 'user_cf')).toBe(false);
    expect(switches.fingerprint).toBe('editorial');
    writeFileSync(file, 'disabled: [user_cf]\n');
    switches.reload();
    expect(switches.disables('acme', 'user_cf')).toBe(true);
    expect(switches.fingerprint).toBe('editorial,user_cf');
  });

  it.each([
    ['an entry that is not a source name', 'disabled: [User CF!]\n'],
    ['a source the registry does not have', 'disabled: [user_two_towers]\n'],
    ['a single value instead of a list', 'disabled: user_cf\n'],
    ['a misspelt key', 'disable: []\n'],
    ['an empty list value', 'disabled:\n'],
    ['an empty file', ''],
  ])('keeps the last good switches when the file has %s', (_, text) => {
    writeFileSync(file, 'disabled: [user_cf]\n');
    const switches = create();
    writeFileSync(file, text);
    switches.reload();
    expect(switches.disables('acme', 'user_cf')).toBe(true);
  });

  it('treats a missing file as no switches beyond DISABLED_SOURCES', () => {
    const switches = create('acme/user_cf');
    expect(switches.disables('acme', 'user_cf')).toBe(true);
    expect(switches.disables('globex', 'user_cf')).toBe(false);
  });

  it('applies a change written while it watches the file', async () => {
    writeFileSync(file, 'disabled: []\n');
    const switches = create();
    switches.start();
    try {
      // Past one poll interval, so the change is a change of the watcher's baseline (mtime resolution aside).
      await new Promise((r) => setTimeout(r, 150));
      writeFileSync(file, 'disabled: [session_intent]\n');
      const deadline = Date.now() + 5000;
      while (!switches.disables('acme', 'session_intent') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(switches.disables('acme', 'session_intent')).toBe(true);
    } finally {
      switches.stop();
    }
  }, 10_000);
});

describe(parseKillSwitches.name, () => {
  it('reads a comma list with spaces and empty entries', () => {
    expect([...parseKillSwitches(' editorial , ,acme/user_cf ')]).toEqual(['editorial', 'acme/user_cf']);
  });

  it('refuses an entry that is neither "source" nor "tenant/source", or names no registry source', () => {
    expect(() => parseKillSwitches('a/b/c')).toThrow('"a/b/c"');
    expect(() => parseKillSwitches({ user_cf: true })).toThrow('must be a list');
    expect(() => parseKillSwitches('acme/user_cff', KNOWN)).toThrow('names no registry source');
  });
});
