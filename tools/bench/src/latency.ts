import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Client, credentials, Metadata, ServiceError } from '@grpc/grpc-js';
import { MethodDefinition, PackageDefinition } from '@grpc/proto-loader';

/** Latency summary of one workload, in microseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of samples in nanoseconds, reported in microseconds (one decimal). */
export function summarize(samplesNs: readonly bigint[]): LatencySummary {
  if (samplesNs.length === 0) throw new Error('no samples');
  const us = Float64Array.from(samplesNs, (ns) => Number(ns) / 1000).sort();
  const at = (p: number) => us[Math.min(us.length - 1, Math.max(0, Math.ceil(p * us.length) - 1))];
  const round = (v: number) => Math.round(v * 10) / 10;
  let sum = 0;
  for (const v of us) sum += v;
  return {
    count: us.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(us[us.length - 1]),
    mean: round(sum / us.length),
  };
}

/**
 * Runs `count` calls with `concurrency` callers in flight and returns each call's latency (hrtime, ns). Every
 * call is timed from just before it is issued until its promise settles; an error aborts the run.
 */
export async function timedCalls(count: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<bigint[]> {
  const samples: bigint[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const start = process.hrtime.bigint();
      await call(i);
      samples.push(process.hrtime.bigint() - start);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return samples;
}

/** Runs `count` calls with `concurrency` callers in flight, untimed. */
export async function untimedCalls(count: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await call(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** A promise-returning unary method over one channel. */
export type UnaryMethod<Q, R> = (request: Q) => Promise<R>;

/**
 * One gRPC channel (its own TCP connection: local subchannel pool) to `address`, with promise forms of the
 * unary methods of `definition`'s services. Health and ConsentService clients are built the same way, so both
 * workloads pay the same client-side cost.
 */
export class RawChannel {
  private readonly client: Client;

  constructor(
    address: string,
    private readonly definition: PackageDefinition,
    private readonly timeoutMs = 5000,
  ) {
    this.client = new Client(address, credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.keepalive_time_ms': 30_000,
    });
  }

  /** `service` is the full name (`recsys.v1.ConsentService`), `method` as in the .proto (`GetPrivacyContext`). */
  unary<Q, R>(service: string, method: string): UnaryMethod<Q, R> {
    const def = (this.definition[service] as unknown as Record<string, MethodDefinition<Q, R>> | undefined)?.[method];
    if (!def) throw new Error(`${service}/${method} is not in the loaded definitions`);
    return (request: Q) =>
      new Promise<R>((resolve, reject) => {
        this.client.makeUnaryRequest<Q, R>(
          def.path,
          def.requestSerialize,
          def.responseDeserialize,
          request,
          new Metadata(),
          { deadline: Date.now() + this.timeoutMs },
          (err: ServiceError | null, res?: R) => (err ? reject(err) : resolve(res as R)),
        );
      });
  }

  close(): void {
    this.client.close();
  }
}

let clockTicks: number | undefined;

/** User + system CPU time of another process in microseconds, from /proc (Linux); undefined elsewhere. */
export function processCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (clockTicks === undefined) {
      try {
        clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
      } catch {
        clockTicks = 100;
      }
    }
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / clockTicks;
  } catch {
    return undefined;
  }
}

/** Latency of a workload with its throughput and CPU per call (server: the measured service process; client: this one). */
export interface WorkloadSummary extends LatencySummary {
  callsPerSecond: number;
  serverCpuPerCallUs?: number;
  clientCpuPerCallUs: number;
}

/** Timed calls of one workload over many blocks, with the wall time and the CPU time spent in them. */
export class Workload {
  readonly samples: bigint[] = [];
  /** Start and end of every block (process.hrtime, µs: the clock of V8 CPU profiles on Linux). */
  readonly windows: [number, number][] = [];
  private wallNs = 0n;
  private serverCpuUs: number | undefined = 0;
  private clientCpuUs = 0;

  constructor(
    readonly name: string,
    private readonly call: (i: number) => Promise<unknown>,
    private readonly serverPid?: number,
  ) {}

  /** Runs one block of `count` timed calls. */
  async block(count: number, concurrency: number): Promise<void> {
    const server = processCpuMicros(this.serverPid);
    const client = process.cpuUsage();
    const start = process.hrtime.bigint();
    this.samples.push(...(await timedCalls(count, concurrency, this.call)));
    const end = process.hrtime.bigint();
    this.wallNs += end - start;
    this.windows.push([Number(start / 1000n), Number(end / 1000n)]);
    const clientUsed = process.cpuUsage(client);
    this.clientCpuUs += clientUsed.user + clientUsed.system;
    const serverAfter = processCpuMicros(this.serverPid);
    this.serverCpuUs =
      server === undefined || serverAfter === undefined || this.serverCpuUs === undefined
        ? undefined
        : this.serverCpuUs + serverAfter - server;
  }

  summary(): WorkloadSummary {
    const n = this.samples.length;
    return {
      ...summarize(this.samples),
      callsPerSecond: Math.round(n / (Number(this.wallNs) / 1e9)),
      ...(this.serverCpuUs === undefined ? {} : { serverCpuPerCallUs: Math.round(this.serverCpuUs / n) }),
      clientCpuPerCallUs: Math.round(this.clientCpuUs / n),
    };
  }
}

/** Calls of an open-loop run: each timed from its scheduled send time, so queueing anywhere counts. */
export interface OpenLoopResult {
  /** Latency of every call (failed ones too: the time until their error), ns, in completion order. */
  samples: bigint[];
  /** For each sample: its call's scheduled send time after the start of the run, ns, and whether it succeeded. */
  scheduledNs: bigint[];
  ok: boolean[];
  /** When the run started (Date.now()). */
  startedAtMs: number;
  /** Calls that failed (rejected), with up to five distinct messages. */
  errors: number;
  errorMessages: string[];
  /** From the first scheduled send to the last reply, ns. */
  wallNs: bigint;
  /** The largest delay between a call's scheduled and its actual send time, ns: this client's own lag. */
  maxSendLagNs: bigint;
}

/**
 * Open-loop load: `count` calls at a fixed `ratePerSecond`, sent on a fixed timetable whatever the replies do
 * (no call waits for an earlier one). A call is timed from its scheduled send time until its promise settles,
 * so a late send (this process busy) or a reply queued behind others counts in full: no coordinated omission.
 */
export function openLoopCalls(count: number, ratePerSecond: number, call: (i: number) => Promise<unknown>): Promise<OpenLoopResult> {
  const intervalNs = 1e9 / ratePerSecond;
  const result: OpenLoopResult = {
    samples: [],
    scheduledNs: [],
    ok: [],
    startedAtMs: Date.now(),
    errors: 0,
    errorMessages: [],
    wallNs: 0n,
    maxSendLagNs: 0n,
  };
  if (count <= 0) return Promise.resolve(result);
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    result.startedAtMs = Date.now();
    let sent = 0;
    let settled = 0;
    const scheduledAt = (i: number) => start + BigInt(Math.round(i * intervalNs));
    const done = (scheduled: bigint, ok: boolean) => {
      const now = process.hrtime.bigint();
      result.samples.push(now - scheduled);
      result.scheduledNs.push(scheduled - start);
      result.ok.push(ok);
      settled += 1;
      if (settled === count) {
        result.wallNs = now - start;
        resolve(result);
      }
    };
    const tick = () => {
      const now = process.hrtime.bigint();
      while (sent < count && scheduledAt(sent) <= now) {
        const i = sent++;
        const scheduled = scheduledAt(i);
        if (now - scheduled > result.maxSendLagNs) result.maxSendLagNs = now - scheduled;
        call(i).then(
          () => done(scheduled, true),
          (error: unknown) => {
            result.errors += 1;
            const message = error instanceof Error ? error.message : String(error);
            if (result.errorMessages.length < 5 && !result.errorMessages.includes(message)) result.errorMessages.push(message);
            done(scheduled, false);
          },
        );
      }
      if (sent < count) setTimeout(tick, Math.max(0, Number(scheduledAt(sent) - process.hrtime.bigint()) / 1e6));
    };
    tick();
  });
}
