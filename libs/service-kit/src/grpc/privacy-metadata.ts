import { Metadata } from '@grpc/grpc-js';
import { PRIVACY_CONTEXT_METADATA_KEY, PrivacyContext, PrivacyContextCodec } from '@recsys/privacy-context';
import { injectTraceContext } from '../observability/trace-context';

/** Metadata carrying a signed privacy context to a downstream call, beside the active trace context. */
export function privacyMetadata(codec: PrivacyContextCodec, context: PrivacyContext): Metadata {
  const metadata = new Metadata();
  metadata.set(PRIVACY_CONTEXT_METADATA_KEY, codec.encode(context));
  return injectTraceContext(metadata);
}

/** The signed context token of an incoming call, if any. */
export function privacyToken(metadata: Metadata | undefined): string | undefined {
  const value = metadata?.get(PRIVACY_CONTEXT_METADATA_KEY)[0];
  return typeof value === 'string' ? value : undefined;
}
