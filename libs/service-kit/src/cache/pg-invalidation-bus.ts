import { Client, Pool } from 'pg';
import { InvalidationBus, InvalidationHandler, InvalidationMessage, parseInvalidation } from './invalidation-bus';

/**
 * Invalidation over PostgreSQL LISTEN/NOTIFY, for the embedded default without Redis. NOTIFY is delivered to
 * every listening session of the database, i.e. to every service process. A lost listener connection is
 * re-established; a message sent while it was down is missed, which is why cache keys also carry the consent
 * version (a stale entry can never match a newer version).
 */
export class PgInvalidationBus implements InvalidationBus {
  private listener?: Client;
  private handler?: InvalidationHandler;
  private closed = false;
  private readonly pool: Pool;

  constructor(
    private readonly url: string,
    channel: string,
  ) {
    // LISTEN takes an identifier: derive a safe one from the channel name.
    // LISTEN folds an unquoted identifier to lower case, so the name is lower-cased for pg_notify too.
    this.channel = `recsys_${channel.replace(/[^A-Za-z0-9_]/g, '_')}`.toLowerCase().slice(0, 63);
    this.pool = new Pool({ connectionString: url, max: 2 });
  }

  private readonly channel: string;

  async publish(message: InvalidationMessage): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [this.channel, JSON.stringify(message)]);
  }

  async subscribe(handler: InvalidationHandler): Promise<void> {
    this.handler = handler;
    await this.listen();
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    client.on('notification', (n) => {
      const message = n.channel === this.channel && n.payload ? parseInvalidation(n.payload) : undefined;
      if (message && this.handler) void Promise.resolve(this.handler(message)).catch(() => undefined);
    });
    client.on('error', () => {
      if (this.closed) return;
      client.end().catch(() => undefined);
      setTimeout(() => {
        if (!this.closed) void this.listen().catch(() => undefined);
      }, 500);
    });
    await client.connect();
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    await client.query(`LISTEN ${this.channel}`);
    this.listener = client;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}
