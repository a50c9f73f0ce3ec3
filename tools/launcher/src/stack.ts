import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, WriteStream } from 'node:fs';
import { join } from 'node:path';
import { waitForServing } from './health';

/**
 * Node.js flags every service runs with, here and in the container image (docker/entrypoint.sh; decision 57).
 * `--no-flush-bytecode`: V8 drops the compiled code of functions that did not run for a few garbage collections,
 * and a service idle for a while (a night, a lull) then recompiled and re-optimized its whole serving path at the
 * first requests after it — the Recommend benchmark's blocks after the no-work chain's showed it as their slowest
 * second. The code of a service's serving path is small; keeping it costs a few MB at most.
 * `--initial-old-space-size=256` (decision 62): V8 keeps a service's old generation limit a few MB above what it
 * keeps alive, and under load each scavenge promotes the requests in flight, so the ranker ran a mark-compact every
 * ~2 s at 100 Recommends/s; 256 MB of room (the pods' limit is 512 MiB; the services keep 40–110 MB) lets the old
 * generation grow before it is collected.
 * `--no-memory-reducer` (decision 63): V8's memory reducer starts a few seconds into a lull and shrinks the heap
 * (memory-reducing mark-compacts, a smaller young generation and old-generation limit), so the first second of
 * traffic after a lull paid for growing it back: in the Recommend benchmark the platform's blocks after 20 s idle
 * answered at a median of up to 40–112 ms in their first second, against 14–18 ms at steady load. A service runs in a pod
 * with a fixed memory limit; giving memory back while idle buys nothing there.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--no-flush-bytecode', '--initial-old-space-size=256', '--no-memory-reducer'];

/** The five services: app folder, gRPC service, and the env names of their ports. */
export const SERVICES = [
  {
    app: 'audit-service',
    service: 'recsys.v1.AuditService',
    grpcEnv: 'AUDIT_GRPC_PORT',
    metricsEnv: 'AUDIT_METRICS_PORT',
    addrEnv: 'AUDIT_SERVICE_ADDR',
    grpc: 50055,
    metrics: 9455,
  },
  {
    app: 'consent-service',
    service: 'recsys.v1.ConsentService',
    grpcEnv: 'CONSENT_GRPC_PORT',
    metricsEnv: 'CONSENT_METRICS_PORT',
    addrEnv: 'CONSENT_SERVICE_ADDR',
    grpc: 50052,
    metrics: 9452,
  },
  {
    app: 'feature-gateway',
    service: 'recsys.v1.FeatureService',
    grpcEnv: 'FEATURE_GRPC_PORT',
    metricsEnv: 'FEATURE_METRICS_PORT',
    addrEnv: 'FEATURE_GATEWAY_ADDR',
    grpc: 50053,
    metrics: 9453,
  },
  {
    app: 'ranker',
    service: 'recsys.v1.RankerService',
    grpcEnv: 'RANKER_GRPC_PORT',
    metricsEnv: 'RANKER_METRICS_PORT',
    addrEnv: 'RANKER_ADDR',
    grpc: 50054,
    metrics: 9454,
  },
  {
    app: 'candidate-orchestrator',
    service: 'recsys.v1.RecommendationService',
    grpcEnv: 'ORCHESTRATOR_GRPC_PORT',
    metricsEnv: 'ORCHESTRATOR_METRICS_PORT',
    addrEnv: '',
    grpc: 50051,
    metrics: 9451,
  },
] as const;

export type AppName = (typeof SERVICES)[number]['app'];

export interface StackOptions {
  /** Repository root (holds dist/). */
  root: string;
  /** Environment shared by every service (DATABASE_URL, secrets, ...). */
  env: NodeJS.ProcessEnv;
  /** Ports per app; defaults are CONTRACT.md's. */
  ports?: Partial<Record<AppName, { grpc: number; metrics: number }>>;
  /** Extra environment per app. */
  appEnv?: Partial<Record<AppName, NodeJS.ProcessEnv>>;
  /** Folder for one log file per service. */
  logDir: string;
  /** Extra Node.js flags for every service (diagnostics such as `--trace-gc`, which NODE_OPTIONS refuses). */
  nodeFlags?: string[];
  startTimeoutMs?: number;
}

export interface RunningApp {
  app: AppName;
  address: string;
  metricsPort: number;
  process: ChildProcess;
}

/** The five services as child processes, with their addresses. */
export class Stack {
  readonly apps = new Map<AppName, RunningApp>();
  private readonly logs: WriteStream[] = [];

  constructor(private readonly options: StackOptions) {}

  /** The environment shared by every service. */
  get env(): NodeJS.ProcessEnv {
    return this.options.env;
  }

  address(app: AppName): string {
    return this.apps.get(app)!.address;
  }

  metricsPort(app: AppName): number {
    return this.apps.get(app)!.metricsPort;
  }

  /** Starts every service and waits until each reports SERVING on grpc.health.v1. */
  async start(only?: AppName[]): Promise<void> {
    await Promise.all(SERVICES.filter((s) => !only || only.includes(s.app)).map((s) => this.startApp(s.app)));
  }

  async startApp(app: AppName): Promise<RunningApp> {
    const spec = SERVICES.find((s) => s.app === app)!;
    const env = this.environment();
    const port = this.port(app);
    mkdirSync(this.options.logDir, { recursive: true });
    const log = createWriteStream(join(this.options.logDir, `${app}.log`), { flags: 'a' });
    this.logs.push(log);
    const script = join(this.options.root, 'dist', 'apps', app, 'src', 'main.js');
    const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, ...(this.options.nodeFlags ?? []), '--enable-source-maps', script], {
      env: { ...env, ...this.options.appEnv?.[app] },
      // The IPC channel closes when this process dies, even by SIGKILL: the service then shuts itself down
      // instead of living on as an orphan holding its ports.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const running: RunningApp = { app, address: `127.0.0.1:${port.grpc}`, metricsPort: port.metrics, process: child };
    this.apps.set(app, running);
    await waitForServing(
      running.address,
      spec.service,
      this.options.startTimeoutMs ?? 30_000,
      () => child.exitCode === null && child.signalCode === null,
    );
    return running;
  }

  /**
   * Runs feature-gateway's training job for these tenants with the gateway's environment and returns its
   * per-tenant JSON summaries; rejects with the job's last log lines when it fails.
   */
  async train(tenants: string[], options: { dryRun?: boolean } = {}): Promise<Record<string, unknown>[]> {
    const script = join(this.options.root, 'dist', 'apps', 'feature-gateway', 'src', 'training', 'train.main.js');
    const args = ['--enable-source-maps', script, ...tenants.flatMap((t) => ['--tenant', t]), ...(options.dryRun ? ['--dry-run'] : [])];
    mkdirSync(this.options.logDir, { recursive: true });
    const log = createWriteStream(join(this.options.logDir, 'training.log'), { flags: 'a' });
    const child = spawn(process.execPath, args, { env: { ...this.environment(), ...this.options.appEnv?.['feature-gateway'] } });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stderr.pipe(log, { end: false });
    // 'close' (not 'exit'): the job's output streams are complete only then.
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    log.end();
    if (code !== 0) throw new Error(`training job exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`);
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Stops one service; `kill` sends SIGKILL (a crash) instead of SIGTERM (a graceful stop). */
  async stopApp(app: AppName, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const running = this.apps.get(app);
    if (!running || running.process.exitCode !== null || running.process.signalCode !== null) return;
    // 'close', not 'exit': the service's output has then been read to the end (its log file is complete).
    const exited = new Promise<void>((resolve) => running.process.once('close', () => resolve()));
    running.process.kill(signal);
    const timer = setTimeout(() => running.process.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.apps.keys()].map((app) => this.stopApp(app)));
    await Promise.all(this.logs.map((log) => new Promise<void>((resolve) => log.end(() => resolve()))));
  }

  /** The shared environment, with every service's own port and the addresses of the others. */
  private environment(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...this.options.env };
    for (const s of SERVICES) {
      const port = this.port(s.app);
      env[s.grpcEnv] = String(port.grpc);
      env[s.metricsEnv] = String(port.metrics);
      if (s.addrEnv) env[s.addrEnv] = `127.0.0.1:${port.grpc}`;
    }
    return env;
  }

  private port(app: AppName): { grpc: number; metrics: number } {
    const spec = SERVICES.find((s) => s.app === app)!;
    return this.options.ports?.[app] ?? { grpc: spec.grpc, metrics: spec.metrics };
  }
}
