import { Event } from '@recsys/proto';
import { eventProblem } from './event.validation';

const NOW = 1_800_000_000_000;

const valid = (overrides: Partial<Event> = {}): Event => ({
  tenantId: 'acme',
  userId: 'alice',
  anonymousId: '',
  itemId: 'item-1',
  eventType: 'click',
  timestampMs: NOW - 1000,
  sessionId: 's1',
  region: 'ID-JK',
  ...overrides,
});

const catalog = (tenantId: string, itemId: string) => tenantId === 'acme' && itemId === 'item-1';
const problem = (overrides: Partial<Event>) => eventProblem(valid(overrides), catalog, NOW);

describe(eventProblem.name, () => {
  it('accepts a valid event of a signed-in or an anonymous subject', () => {
    expect(problem({})).toBeUndefined();
    expect(problem({ userId: '', anonymousId: 'device-1', region: '' })).toBeUndefined();
  });

  it.each(['view', 'click', 'purchase', 'hide', 'dwell'])('accepts the event type %p', (eventType) => {
    expect(problem({ eventType })).toBeUndefined();
  });

  it.each<[string, Partial<Event>, string]>([
    ['a missing tenant', { tenantId: '' }, 'tenant_id is required'],
    ['an invalid tenant', { tenantId: 'Acme' }, 'tenant_id is not a valid tenant id'],
    ['no subject', { userId: '', anonymousId: '' }, 'user_id or anonymous_id is required'],
    ['a long user id', { userId: 'u'.repeat(257) }, 'user_id and anonymous_id must be at most 256 characters'],
    ['a long anonymous id', { anonymousId: 'a'.repeat(257) }, 'user_id and anonymous_id must be at most 256 characters'],
    ['a missing item', { itemId: '' }, 'item_id is required'],
    ['an unknown event type', { eventType: 'share' }, 'event_type must be one of view, click, purchase, hide, dwell'],
    ['an upper-case event type', { eventType: 'CLICK' }, 'event_type must be one of view, click, purchase, hide, dwell'],
    ['a missing timestamp', { timestampMs: 0 }, 'timestamp_ms is required'],
    ['a negative timestamp', { timestampMs: -5 }, 'timestamp_ms is required'],
    ['a fractional timestamp', { timestampMs: 1.5 }, 'timestamp_ms is required'],
    ['a NaN timestamp', { timestampMs: Number.NaN }, 'timestamp_ms is required'],
    ['a timestamp over 5 minutes ahead', { timestampMs: NOW + 5 * 60_000 + 1 }, 'timestamp_ms is in the future'],
    ['a long session id', { sessionId: 's'.repeat(257) }, 'session_id or region is too long'],
    ['a long region', { region: 'R'.repeat(33) }, 'session_id or region is too long'],
    ['a malformed region', { region: 'jakarta' }, 'region must look like "ID" or "ID-JK"'],
    ['an item outside the tenant catalog', { itemId: 'item-2' }, 'item_id is not in the tenant catalog'],
    ['an item of another tenant', { tenantId: 'globex' }, 'item_id is not in the tenant catalog'],
  ])('refuses %s', (_, change, reason) => {
    expect(problem(change)).toBe(reason);
  });

  it('tolerates a little clock skew', () => {
    expect(problem({ timestampMs: NOW + 5 * 60_000 })).toBeUndefined();
  });

  it('names fields, never the values it refused', () => {
    const secretish = 'alice@example.com'.padEnd(300, 'x');
    expect(problem({ userId: secretish })).not.toContain('alice');
    expect(problem({ region: 'alice' })).not.toContain('alice');
  });

  it('asks the catalog only about a structurally valid event', () => {
    const knownItem = jest.fn(() => true);
    expect(eventProblem(valid({ eventType: 'share' }), knownItem, NOW)).toBeDefined();
    expect(knownItem).not.toHaveBeenCalled();
    expect(eventProblem(valid(), knownItem, NOW)).toBeUndefined();
    expect(knownItem).toHaveBeenCalledWith('acme', 'item-1');
  });

  it('refuses an event older than the retention period, and accepts one just inside it', () => {
    const oldest = NOW - 90 * 86_400_000;
    expect(eventProblem(valid({ timestampMs: oldest - 1 }), catalog, NOW, oldest)).toBe(
      'timestamp_ms is older than the retention period of behaviour events',
    );
    expect(eventProblem(valid({ timestampMs: oldest + 1 }), catalog, NOW, oldest)).toBeUndefined();
  });
});
