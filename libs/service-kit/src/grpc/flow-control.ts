import type { Http2Session } from 'node:http2';
import type { EventEmitter } from 'node:events';
import type { Server } from '@grpc/grpc-js';

/**
 * The HTTP/2 flow-control window of every recsys connection, in bytes, for each direction and each stream.
 *
 * HTTP/2 starts every connection with a 64 KiB window shared by all its streams. A Recommend sends the ranker
 * ~50 KiB and gets ~35 KiB of ranking features back, so two calls in flight on one connection already exhaust
 * it: the sender then waits until the receiving process has been scheduled, read the data and sent a
 * WINDOW_UPDATE — under load, a wait of several milliseconds per call (measured: the ranker's mean Rank time at
 * 100 Recommends/s fell from 26.5 to 7.2 ms with a wider window; docs/benchmarks.md). 4 MiB holds every call a
 * service lets in at once (MAX_IN_FLIGHT_RECOMMENDS) several times over; it bounds what one connection can
 * buffer, not what is allocated.
 */
export const FLOW_CONTROL_WINDOW_BYTES = 4 * 1024 * 1024;

/** grpc-js channel option: the client's receive window (stream and connection) for the answers it reads. */
export const CLIENT_FLOW_CONTROL_OPTIONS = { 'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES } as const;

/**
 * Widens the receive window of every HTTP/2 session a bound grpc-js server accepts from now on (requests it
 * reads). grpc-js has no server option for it, so this reaches the HTTP/2 servers it bound; when grpc-js
 * changes that, it throws at start-up (and the flow-control test fails) instead of silently doing nothing.
 */
export function widenServerFlowControl(server: Server, bytes = FLOW_CONTROL_WINDOW_BYTES): void {
  const bound = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(bound instanceof Map) || bound.size === 0) {
    throw new Error('widenServerFlowControl: the grpc-js server has no bound HTTP/2 server (call it after binding)');
  }
  for (const http2Server of bound.keys() as IterableIterator<EventEmitter>) {
    http2Server.on('session', (session: Http2Session) => {
      // The connection's window now, each stream's window through the SETTINGS the client receives next.
      session.setLocalWindowSize(bytes);
      session.settings({ initialWindowSize: bytes });
    });
  }
}
