/** A message that tells every replica to drop what it caches about one subject. */
export interface InvalidationMessage {
  tenantId: string;
  subjectPid: string;
  /** The consent version after the change, for logs and for skipping stale messages. */
  consentVersion: string;
  reason: string;
}

export type InvalidationHandler = (message: InvalidationMessage) => void | Promise<void>;

/**
 * Cross-process cache invalidation. Redis pub/sub in production; PostgreSQL LISTEN/NOTIFY in the embedded
 * default. Both pass one contract suite.
 */
export interface InvalidationBus {
  publish(message: InvalidationMessage): Promise<void>;
  /** Resolves once the subscription is live, so no message published after it is missed. */
  subscribe(handler: InvalidationHandler): Promise<void>;
  close(): Promise<void>;
}

export function parseInvalidation(payload: string): InvalidationMessage | undefined {
  try {
    const m = JSON.parse(payload) as InvalidationMessage;
    const ok =
      typeof m === 'object' &&
      m !== null &&
      typeof m.tenantId === 'string' &&
      m.tenantId !== '' &&
      typeof m.subjectPid === 'string' &&
      m.subjectPid !== '' &&
      typeof m.consentVersion === 'string' &&
      typeof m.reason === 'string';
    return ok ? m : undefined;
  } catch {
    return undefined;
  }
}
