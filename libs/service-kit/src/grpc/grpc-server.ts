import 'reflect-metadata';
import { DynamicModule, INestMicroservice, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions, Transport } from '@nestjs/microservices';
import { Server } from '@grpc/grpc-js';
import { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { PROTO_FILES, PROTO_LOADER_OPTIONS, PROTO_PACKAGE, protoRoot, ServiceName, useWireCodecs } from '@recsys/proto';
import { ServiceMetrics } from '../observability/metrics';
import { rpcMetricsInterceptor, RpcErrorFilter } from './rpc.interceptor';
import { rpcTraceInterceptor } from './trace.interceptor';
import { FLOW_CONTROL_WINDOW_BYTES, widenServerFlowControl } from './flow-control';

export interface GrpcServiceOptions {
  /** The recsys.v1 service this process serves. */
  service: ServiceName;
  /** The Nest root module, already configured. */
  module: Type<unknown> | DynamicModule;
  host: string;
  port: number;
  metricsHost: string;
  metricsPort: number;
  metrics: ServiceMetrics;
  logger: Logger;
  /**
   * The HTTP/2 receive window of the connections the server accepts (FLOW_CONTROL_WINDOW_BYTES by default; 0 keeps
   * HTTP/2's 64 KiB). A public endpoint that only takes small requests keeps the default, so that a client cannot
   * make it buffer more per connection.
   */
  receiveWindowBytes?: number;
}

export interface RunningGrpcService {
  app: INestMicroservice;
  address: string;
  metricsPort: number;
  close(): Promise<void>;
}

/**
 * Starts a NestJS gRPC server for one recsys.v1 service, with the standard grpc.health.v1.Health service,
 * server reflection (v1 and v1alpha), the contracts' wire codec on every recsys.v1 method (useWireCodecs), a wide HTTP/2 receive window unless told otherwise (FLOW_CONTROL_WINDOW_BYTES) and a
 * Prometheus /metrics endpoint on its own port.
 */
export async function startGrpcService(options: GrpcServiceOptions): Promise<RunningGrpcService> {
  const fullName = `${PROTO_PACKAGE}.${options.service}`;
  const health = new HealthImplementation({ '': 'NOT_SERVING', [fullName]: 'NOT_SERVING' });
  const address = `${options.host}:${options.port}`;
  let grpcServer: Server | undefined;
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(options.module, {
    transport: Transport.GRPC,
    logger: ['error', 'warn'],
    options: {
      url: address,
      package: PROTO_PACKAGE,
      protoPath: [join(protoRoot(), PROTO_FILES[options.service]), healthProtoPath],
      loader: { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] },
      gracefulShutdown: true,
      channelOptions: { interceptors: [rpcMetricsInterceptor(options.metrics), rpcTraceInterceptor(options.logger)] },
      onLoadPackageDefinition: (pkg: PackageDefinition, server: Server) => {
        grpcServer = server;
        // Before Nest adds the service to the server: its methods take and give messages through the wire codec.
        useWireCodecs(pkg);
        new ReflectionService(pkg).addToServer(server);
        health.addToServer(server);
      },
    },
  });
  app.useGlobalFilters(new RpcErrorFilter(options.logger));
  await app.listen();
  const window = options.receiveWindowBytes ?? FLOW_CONTROL_WINDOW_BYTES;
  if (window > 0) widenServerFlowControl(grpcServer!, window);
  const metricsPort = await options.metrics.listen(options.metricsPort, options.metricsHost);
  health.setStatus('', 'SERVING');
  health.setStatus(fullName, 'SERVING');
  options.logger.info({ grpc: address, metricsPort }, `${options.service} serving`);
  return {
    app,
    address,
    metricsPort,
    close: async () => {
      health.setStatus('', 'NOT_SERVING');
      health.setStatus(fullName, 'NOT_SERVING');
      await app.close();
      await options.metrics.close();
    },
  };
}

/** Closes the service on SIGTERM/SIGINT so in-flight calls finish and connections are released. */
export function closeOnSignals(running: { close(): Promise<void> }, logger: Logger): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    running
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: String(error) }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
