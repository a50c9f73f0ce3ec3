import Redis from 'ioredis';
import { InvalidationBus, InvalidationHandler, InvalidationMessage, parseInvalidation } from './invalidation-bus';

export class RedisInvalidationBus implements InvalidationBus {
  private subscriber?: Redis;
  private readonly publisher: Redis;

  constructor(
    private readonly url: string,
    private readonly channel: string,
  ) {
    this.publisher = new Redis(url, { maxRetriesPerRequest: 2 });
  }

  async publish(message: InvalidationMessage): Promise<void> {
    await this.publisher.publish(this.channel, JSON.stringify(message));
  }

  async subscribe(handler: InvalidationHandler): Promise<void> {
    if (this.subscriber) throw new Error('RedisInvalidationBus supports one subscriber per instance');
    this.subscriber = new Redis(this.url);
    this.subscriber.on('message', (channel: string, payload: string) => {
      const message = channel === this.channel ? parseInvalidation(payload) : undefined;
      if (message) void Promise.resolve(handler(message)).catch(() => undefined);
    });
    await this.subscriber.subscribe(this.channel);
  }

  async close(): Promise<void> {
    await Promise.all([this.publisher, this.subscriber].map((r) => r?.quit().catch(() => r.disconnect())));
  }
}
