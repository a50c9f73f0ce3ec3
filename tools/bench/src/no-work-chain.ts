/**
 * The no-work baseline of `bench:recommend`: the gRPC hops of one personalized Recommend, with nothing else. Each
 * fake service is a plain grpc-js server on loopback in its own process (the real services are separate processes
 * too), built from the same .proto contracts, proto-loader options and wire codec as the real ones; every handler answers an
 * empty message at once. The fake orchestrator's Recommend makes the real orchestrator's calls in the same order
 * with the same client (`createGrpcClient` of service-kit) and deadlines:
 *
 *   ConsentService.GetPrivacyContext → FeatureService.GetFeatureBatch of `sourceCalls` + 1 requests (the candidate
 *   sources and the ranking features of their items) → RankerService.Rank → empty RecommendResponse.
 *
 * Nothing goes to audit-service: the real path's decision record is sampled and sent asynchronously, after the
 * answer. Run as a child process: `node no-work-chain.js --role consent|feature|ranker|orchestrator ...`.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, WriteStream } from 'node:fs';
import { join } from 'node:path';
import {
  GrpcObject,
  loadPackageDefinition,
  Metadata,
  Server,
  ServerCredentials,
  ServiceClientConstructor,
  ServiceError,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { parseKeyring, PRIVACY_CONTEXT_METADATA_KEY, PrivacyContextCodec, PrivacyMode, Purpose } from '@recsys/privacy-context';
import {
  ConsentServiceClient,
  FeatureServiceClient,
  getFeatureBatchRequest,
  getFeaturesRequest,
  PROTO_FILES,
  PROTO_LOADER_OPTIONS,
  protoRoot,
  RankerServiceClient,
  rankRequest,
  RecommendRequest,
  ServiceName,
  useWireCodecs,
} from '@recsys/proto';
import { createGrpcClient, widenServerFlowControl } from '@recsys/service-kit';

export type ChainRole = 'consent' | 'feature' | 'ranker' | 'orchestrator';

const SERVICE_OF: Record<ChainRole, ServiceName> = {
  consent: 'ConsentService',
  feature: 'FeatureService',
  ranker: 'RankerService',
  orchestrator: 'RecommendationService',
};

/** The deadlines the real orchestrator uses by default (CONSENT_DEADLINE_MS, DOWNSTREAM_DEADLINE_MS). */
export interface ChainDeadlines {
  consentMs: number;
  downstreamMs: number;
}

interface ReadyMessage {
  ready: true;
  port: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Parent side: starts and stops the four processes.

export interface NoWorkChainOptions {
  /** Candidate-source requests per Recommend (sent in one GetFeatureBatch). */
  sourceCalls: number;
  deadlines: ChainDeadlines;
  /** One log file per fake service. */
  logDir: string;
  startTimeoutMs?: number;
}

/** The four fake services as child processes; `address` is the fake orchestrator's. */
export class NoWorkChain {
  readonly processes = new Map<ChainRole, ChildProcess>();
  private readonly logs: WriteStream[] = [];
  private orchestratorAddress = '';

  constructor(private readonly options: NoWorkChainOptions) {}

  get address(): string {
    if (!this.orchestratorAddress) throw new Error('the no-work chain is not started');
    return this.orchestratorAddress;
  }

  /** Process ids of the running fakes. */
  get pids(): number[] {
    return [...this.processes.values()].map((p) => p.pid).filter((pid): pid is number => pid !== undefined);
  }

  async start(): Promise<void> {
    const [consent, feature, ranker] = await Promise.all((['consent', 'feature', 'ranker'] as const).map((role) => this.spawn(role, [])));
    const { consentMs, downstreamMs } = this.options.deadlines;
    const port = await this.spawn('orchestrator', [
      ['--consent', `127.0.0.1:${consent}`],
      ['--feature', `127.0.0.1:${feature}`],
      ['--ranker', `127.0.0.1:${ranker}`],
      ['--source-calls', String(this.options.sourceCalls)],
      ['--consent-deadline-ms', String(consentMs)],
      ['--downstream-deadline-ms', String(downstreamMs)],
    ]);
    this.orchestratorAddress = `127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.processes.values()].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
    for (const log of this.logs) log.end();
  }

  /** Starts one fake and resolves with its port once it listens. */
  private spawn(role: ChainRole, args: [string, string][]): Promise<number> {
    mkdirSync(this.options.logDir, { recursive: true });
    const log = createWriteStream(join(this.options.logDir, `no-work-${role}.log`), { flags: 'a' });
    this.logs.push(log);
    // Started like the real services (Stack): same node, same flag; the IPC channel closes when this process
    // dies, and the fake then exits instead of living on as an orphan.
    const child = spawn(process.execPath, ['--enable-source-maps', __filename, '--role', role, ...args.flat()], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    this.processes.set(role, child);
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`no-work ${role} did not start within the timeout`)),
        this.options.startTimeoutMs ?? 15_000,
      );
      const onExit = (code: number | null) => fail(new Error(`no-work ${role} exited with ${code} before listening`));
      const fail = (error: Error) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        reject(error);
      };
      child.once('exit', onExit);
      child.on('message', (message: ReadyMessage) => {
        if (!message.ready) return;
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(message.port);
      });
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Child side: one fake service per process.

function serviceConstructor(service: ServiceName): ServiceClientConstructor {
  const definition = loadSync(join(protoRoot(), PROTO_FILES[service]), { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] });
  // The real servers' codec (startGrpcService); the fake orchestrator's clients get it from createGrpcClient.
  useWireCodecs(definition);
  const pkg = loadPackageDefinition(definition) as unknown as { recsys: { v1: GrpcObject } };
  return pkg.recsys.v1[service] as ServiceClientConstructor;
}

/** Every method of the service answers an empty message at once. */
function emptyHandlers(ctor: ServiceClientConstructor): UntypedServiceImplementation {
  const handlers: UntypedServiceImplementation = {};
  for (const name of Object.keys(ctor.service)) {
    handlers[name] = (_call: unknown, callback: (error: ServiceError | null, value: object) => void) => callback(null, {});
  }
  return handlers;
}

interface OrchestratorArgs {
  consent: string;
  feature: string;
  ranker: string;
  sourceCalls: number;
  deadlines: ChainDeadlines;
}

/** Recommend makes the real orchestrator's calls, in its order, and answers an empty response. */
function orchestratorHandlers(args: OrchestratorArgs): { handlers: UntypedServiceImplementation; close: () => void } {
  const consent = createGrpcClient<ConsentServiceClient>('ConsentService', args.consent);
  const features = createGrpcClient<FeatureServiceClient>('FeatureService', args.feature);
  const ranker = createGrpcClient<RankerServiceClient>('RankerService', args.ranker);
  // A signed context of the real format, made once: the downstream calls carry a header of the real size, but
  // the fake signs nothing per request (no work).
  const codec = new PrivacyContextCodec(parseKeyring(`bench:${randomBytes(32).toString('base64url')}`));
  const now = Date.now();
  const token = codec.encode({
    tenantId: 'demo-retail',
    subjectPid: `u_${randomBytes(16).toString('base64url')}`,
    mode: PrivacyMode.PERSONALIZED,
    purposes: [Purpose.PERSONALIZATION],
    consentVersion: '1',
    policyVersion: '2026-11-01',
    requestId: randomUUID(),
    issuedAtMs: now,
    expiresAtMs: now + 86_400_000,
  });
  const { consentMs, downstreamMs } = args.deadlines;
  const recommend = async (request: RecommendRequest): Promise<object> => {
    const tenantId = request.context?.tenantId ?? '';
    await consent.getPrivacyContext(
      {
        tenantId,
        userId: request.subject?.userId ?? '',
        anonymousId: request.subject?.anonymousId ?? '',
        requestedPrivacyMode: PrivacyMode.PRIVACY_MODE_UNSPECIFIED,
        globalPrivacyControl: false,
      },
      { timeoutMs: consentMs },
    );
    const metadata = new Metadata();
    metadata.set(PRIVACY_CONTEXT_METADATA_KEY, token);
    const options = { metadata, timeoutMs: downstreamMs };
    // The candidate sources' requests and the ranking features' request, in one batch.
    const featuresRequest = getFeaturesRequest({ tenantId, featureSet: '' });
    await features.getFeatureBatch(getFeatureBatchRequest(Array.from({ length: args.sourceCalls + 1 }, () => featuresRequest)), options);
    await ranker.rank(rankRequest({ tenantId, mode: PrivacyMode.PERSONALIZED }), options);
    return {};
  };
  return {
    handlers: {
      Recommend: (call: { request: RecommendRequest }, callback: (error: ServiceError | null, value?: object) => void) => {
        recommend(call.request).then(
          (reply) => callback(null, reply),
          (error: ServiceError) => callback(error),
        );
      },
    },
    close: () => {
      for (const client of [consent, features, ranker]) client.close();
    },
  };
}

async function runRole(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('no-work-chain')
    .option('role', { choices: ['consent', 'feature', 'ranker', 'orchestrator'] as const, demandOption: true })
    .option('consent', { type: 'string', default: '', describe: 'orchestrator: the fake consent-service' })
    .option('feature', { type: 'string', default: '', describe: 'orchestrator: the fake feature-gateway' })
    .option('ranker', { type: 'string', default: '', describe: 'orchestrator: the fake ranker' })
    .option('source-calls', {
      type: 'number',
      default: 0,
      describe: 'orchestrator: candidate-source requests per Recommend (one GetFeatureBatch)',
    })
    .option('consent-deadline-ms', { type: 'number', default: 150 })
    .option('downstream-deadline-ms', { type: 'number', default: 1000 })
    .strict()
    .parse();
  const role: ChainRole = argv.role;
  const ctor = serviceConstructor(SERVICE_OF[role]);
  const orchestrator =
    role === 'orchestrator'
      ? orchestratorHandlers({
          consent: argv.consent,
          feature: argv.feature,
          ranker: argv.ranker,
          sourceCalls: argv['source-calls'],
          deadlines: { consentMs: argv['consent-deadline-ms'], downstreamMs: argv['downstream-deadline-ms'] },
        })
      : undefined;
  const server = new Server();
  server.addService(ctor.service, orchestrator?.handlers ?? emptyHandlers(ctor));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  // The same HTTP/2 windows as the real services (their clients are createGrpcClient's already; the orchestrator's
  // public endpoint keeps HTTP/2's default).
  if (role !== 'orchestrator') widenServerFlowControl(server);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    orchestrator?.close();
    server.tryShutdown(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.once('disconnect', stop);
  process.send?.({ ready: true, port } satisfies ReadyMessage);
}

if (require.main === module) {
  runRole().catch((error: unknown) => {
    process.stderr.write(`no-work-chain: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
