import Redis from 'ioredis';
import { Client } from 'pg';
// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this lib imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, sleep, TestDatabase, uniqueNamespace, waitFor } from '@recsys/testing';
import { InvalidationBus, InvalidationMessage } from './invalidation-bus';
import { PgInvalidationBus } from './pg-invalidation-bus';
import { RedisInvalidationBus } from './redis-invalidation-bus';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** How one implementation is set up for the suite: a way to make bus instances and to publish raw payloads. */
interface BusHarness {
  /** A new bus instance, as a separate service process would create it. */
  create(channel: string): InvalidationBus;
  /** Puts a raw payload on the wire, bypassing publish(), as a broken or foreign publisher could. */
  publishRaw(channel: string, payload: string): Promise<void>;
  teardown(): Promise<void>;
}

async function redisHarness(): Promise<BusHarness> {
  const raw = new Redis(REDIS_URL);
  return {
    create: (channel) => new RedisInvalidationBus(REDIS_URL, channel),
    publishRaw: async (channel, payload) => {
      await raw.publish(channel, payload);
    },
    teardown: async () => {
      await raw.quit();
    },
  };
}

async function pgHarness(): Promise<BusHarness> {
  const db: TestDatabase = await createTestDatabase('recsys_test');
  const raw = new Client({ connectionString: db.url });
  await raw.connect();
  // The LISTEN identifier PgInvalidationBus derives from a channel name.
  const identifier = (channel: string) => `recsys_${channel.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 63);
  return {
    create: (channel) => new PgInvalidationBus(db.url, channel),
    publishRaw: async (channel, payload) => {
      await raw.query('SELECT pg_notify($1, $2)', [identifier(channel), payload]);
    },
    teardown: async () => {
      await raw.end();
      await db.drop();
    },
  };
}

const message = (subjectPid: string, consentVersion = '7'): InvalidationMessage => ({
  tenantId: 'acme',
  subjectPid,
  consentVersion,
  reason: 'consent_changed',
});

/**
 * The InvalidationBus contract: every implementation must pass the same suite. Each test uses its own channel
 * and its own bus instances; a subscriber and a publisher are always different instances (different processes
 * in production).
 */
describe.each<[string, () => Promise<BusHarness>]>([
  [RedisInvalidationBus.name, redisHarness],
  [PgInvalidationBus.name, pgHarness],
])('InvalidationBus contract: %s', (name, setup) => {
  const ns = uniqueNamespace('bus');
  let harness: BusHarness;
  let buses: InvalidationBus[] = [];
  let n = 0;
  const channel = () => `${ns}:invalidate:${++n}`;
  const bus = (ch: string) => {
    const created = harness.create(ch);
    buses.push(created);
    return created;
  };
  /** A subscribed bus on `ch` and the messages it received, in order. */
  async function subscriber(ch: string): Promise<{ bus: InvalidationBus; received: InvalidationMessage[] }> {
    const received: InvalidationMessage[] = [];
    const b = bus(ch);
    await b.subscribe((m) => {
      received.push(m);
    });
    return { bus: b, received };
  }

  beforeAll(async () => {
    harness = await setup();
  });

  afterEach(async () => {
    await Promise.all(buses.map((b) => b.close()));
    buses = [];
  });

  afterAll(async () => {
    await harness?.teardown();
  });

  it('delivers a message published by one instance to a subscriber on another, unchanged', async () => {
    const ch = channel();
    const { received } = await subscriber(ch);
    const sent = { ...message('u_abc'), reason: 'consent changed: "quoted" ünïcödé' };

    await bus(ch).publish(sent);

    await waitFor(() => received.length > 0, 3000);
    expect(received).toEqual([sent]);
  });

  it('delivers to every subscribed instance', async () => {
    const ch = channel();
    const subscribers = await Promise.all([subscriber(ch), subscriber(ch), subscriber(ch)]);
    await bus(ch).publish(message('u_all'));
    await waitFor(() => subscribers.every((s) => s.received.length === 1), 3000);
    for (const s of subscribers) expect(s.received).toEqual([message('u_all')]);
  });

  it('is live as soon as subscribe resolves: a message published right after is received', async () => {
    const ch = channel();
    const publisher = bus(ch);
    const subscribers: Awaited<ReturnType<typeof subscriber>>[] = [];
    for (let i = 0; i < 5; i += 1) {
      const s = await subscriber(ch);
      await publisher.publish(message(`u_${i}`));
      subscribers.push(s);
    }
    await waitFor(() => subscribers.every((s, i) => s.received.length === 5 - i), 3000);
    subscribers.forEach((s, i) => expect(s.received[0]).toEqual(message(`u_${i}`)));
  });

  it('keeps the order of messages from one publisher', async () => {
    const ch = channel();
    const { received } = await subscriber(ch);
    const publisher = bus(ch);
    const sent = Array.from({ length: 20 }, (_, i) => message('u_order', String(i)));
    for (const m of sent) await publisher.publish(m);
    await waitFor(() => received.length === sent.length, 3000);
    expect(received).toEqual(sent);
  });

  it('ignores malformed payloads and keeps delivering', async () => {
    const ch = channel();
    const { received } = await subscriber(ch);
    for (const payload of ['not json', '', 'null', '42', '"text"', '[]', '{"tenantId":1,"subjectPid":"u_x"}', '{"tenantId":"acme"}']) {
      await harness.publishRaw(ch, payload);
    }
    await bus(ch).publish(message('u_valid'));

    await waitFor(() => received.length > 0, 3000);
    await sleep(100);
    expect(received).toEqual([message('u_valid')]);
  });

  it('keeps delivering after a handler fails', async () => {
    const ch = channel();
    const received: string[] = [];
    await bus(ch).subscribe(async (m) => {
      received.push(m.subjectPid);
      if (m.subjectPid === 'u_boom') throw new Error('handler failed');
    });
    const publisher = bus(ch);
    await publisher.publish(message('u_boom'));
    await publisher.publish(message('u_after'));
    await waitFor(() => received.length === 2, 3000);
    expect(received).toEqual(['u_boom', 'u_after']);
  });

  it('does not deliver messages of another channel', async () => {
    const mine = channel();
    const other = channel();
    const { received } = await subscriber(mine);
    await bus(other).publish(message('u_other'));
    await bus(mine).publish(message('u_mine'));
    await waitFor(() => received.length > 0, 3000);
    await sleep(100);
    expect(received).toEqual([message('u_mine')]);
  });

  it('stops delivering after close()', async () => {
    const ch = channel();
    const closed = await subscriber(ch);
    const control = await subscriber(ch);
    await closed.bus.close();

    await bus(ch).publish(message('u_after_close'));

    // The control subscriber proves the message was delivered to live subscribers before we look.
    await waitFor(() => control.received.length === 1, 3000);
    await sleep(100);
    expect(closed.received).toEqual([]);
  });

  it('delivers on a channel name with upper-case letters', async () => {
    const ch = `Recsys-${ns}:invalidate`;
    const { received } = await subscriber(ch);
    await bus(ch).publish(message('u_upper'));
    await waitFor(() => received.length > 0, 1000);
    expect(received).toEqual([message('u_upper')]);
  });
});

/** Beyond the shared contract: how the LISTEN/NOTIFY bus lives through a lost listener connection. */
describe(`${PgInvalidationBus.name} connection loss`, () => {
  let db: TestDatabase;
  let admin: Client;
  const buses: InvalidationBus[] = [];
  const ch = `${uniqueNamespace('bus')}:invalidate`;
  const create = () => {
    const b = new PgInvalidationBus(db.url, ch);
    buses.push(b);
    return b;
  };
  /** Ends every listening session of the test database, as a PostgreSQL restart or a network cut would. */
  const killListeners = () =>
    admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN %'");

  beforeAll(async () => {
    db = await createTestDatabase('recsys_test');
    admin = new Client({ connectionString: db.url });
    await admin.connect();
  });

  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
    await admin?.end();
    await db?.drop();
  });

  it('resumes delivery after its listener connection is lost', async () => {
    const received: string[] = [];
    await create().subscribe((m) => {
      received.push(m.subjectPid);
    });
    expect((await killListeners()).rowCount).toBe(1);

    const publisher = create();
    await waitFor(
      async () => {
        await publisher.publish(message('u_probe'));
        return received.includes('u_probe');
      },
      5000,
      200,
    );
  });

  it('stays closed when closed while reconnecting', async () => {
    const received: string[] = [];
    const bus = create();
    await bus.subscribe((m) => {
      received.push(m.subjectPid);
    });
    await killListeners();
    await sleep(50);
    await bus.close();
    await sleep(800);

    await create().publish(message('u_after_close'));
    await sleep(200);
    expect(received).toEqual([]);
  });
});
