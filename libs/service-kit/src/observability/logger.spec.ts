import { Writable } from 'node:stream';
import { Metadata } from '@grpc/grpc-js';
import { createLoggerTo } from './logger';
import { maskLogValue, maskText } from './log-redaction';
import { serverTraceContext, withTraceContext } from './trace-context';

const PID = 'u_AbCdEfGhIjKlMnOpQrStUv';
const ANON_PID = 'a_0123456789abcdefghij_-';

/** A logger whose lines are collected, parsed, as the process would write them. */
function captured(level = 'debug') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLoggerTo('test', level, stream);
  return { logger, lines, last: () => JSON.parse(lines[lines.length - 1]) as Record<string, unknown> };
}

describe('createLogger', () => {
  it('masks raw identifiers under identifier keys at any depth', () => {
    const { logger, last } = captured();
    logger.info(
      {
        userId: 'r-user-00002',
        request: { user_id: 'alice', subject: { anonymousId: 'device-42', email: 'alice@example.com', phone: '+62 812 3456 7890' } },
        batch: [{ userId: 'bob' }, { anonymous_id: 'dev-7' }],
        tenant: 'demo-retail',
      },
      'hello',
    );
    expect(last()).toMatchObject({
      userId: '[redacted]',
      request: { user_id: '[redacted]', subject: { anonymousId: '[redacted]', email: '[redacted]', phone: '[redacted]' } },
      batch: [{ userId: '[redacted]' }, { anonymous_id: '[redacted]' }],
      tenant: 'demo-retail',
      msg: 'hello',
    });
  });

  it('keeps pseudonymous ids, under identifier keys and anywhere else', () => {
    const { logger, last } = captured();
    logger.info({ userId: PID, nested: { anonymousId: ANON_PID, subjectPid: PID }, pids: [PID] }, `served ${PID}`);
    expect(last()).toMatchObject({ userId: PID, nested: { anonymousId: ANON_PID, subjectPid: PID }, pids: [PID], msg: `served ${PID}` });
  });

  it('masks e-mail addresses and phone numbers inside any string, the message and its arguments included', () => {
    const { logger, lines } = captured();
    logger.warn({ note: 'contact bob.smith+x@mail.example.org or (555) 123-4567' }, 'mail from %s failed', 'carol@example.com');
    logger.error(new Error('no account for dave@example.com'));
    logger.child({ caller: 'erin@example.com' }).info('child binding');
    const text = lines.join('\n');
    expect(text).not.toMatch(/@example\.(com|org)|bob\.smith|123-4567/);
    expect(JSON.parse(lines[0])).toMatchObject({ note: 'contact [email] or [phone]', msg: 'mail from [email] failed' });
    expect(JSON.parse(lines[1])).toMatchObject({ err: { type: 'Error', message: 'no account for [email]' } });
    expect(JSON.parse(lines[2])).toMatchObject({ caller: '[email]' });
  });

  it('leaves timestamps, ports, versions, dates and trace ids alone', () => {
    const text = '1719876543210 127.0.0.1:50051 v1.14.7 2026-11-01T10:00:00Z 4bf92f3577b34da6a3ce929d0e0e4736 r-user-00002';
    expect(maskText(text)).toBe(text);
  });

  it('removes secrets by path and does not change the logged object', () => {
    const { logger, last } = captured();
    const object = { secret: 's3cret', config: { DATABASE_URL: 'postgres://u:p@db/x' }, userId: 'alice' };
    logger.info(object, 'config');
    expect(last()).toMatchObject({ secret: '[redacted]', config: { DATABASE_URL: '[redacted]' }, userId: '[redacted]' });
    expect(object).toEqual({ secret: 's3cret', config: { DATABASE_URL: 'postgres://u:p@db/x' }, userId: 'alice' });
  });

  it('masks child bindings by key as well', () => {
    const { logger, last } = captured();
    logger.child({ userId: 'alice', subject: PID }).info({ step: 1 }, 'child');
    expect(last()).toMatchObject({ userId: '[redacted]', subject: PID, step: 1 });
  });

  it('survives circular objects', () => {
    const { logger, last } = captured();
    const loop: Record<string, unknown> = { name: 'loop', userId: 'alice' };
    loop.self = loop;
    logger.info({ loop }, 'circular');
    expect(last()).toMatchObject({ loop: { name: 'loop', userId: '[redacted]' } });
    expect(maskLogValue(loop)).toEqual({ name: 'loop', userId: '[redacted]', self: '[circular]' });
  });

  it("puts the active call's trace and span id on each line", () => {
    const { logger, last } = captured();
    const metadata = new Metadata();
    metadata.set('traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    const { ctx } = serverTraceContext(metadata, 'test/Call');
    withTraceContext(ctx, () => logger.info('inside'));
    expect(last()).toMatchObject({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(last().span_id).not.toBe('00f067aa0ba902b7');
    logger.info('outside');
    expect(last()).not.toHaveProperty('trace_id');
  });
});
