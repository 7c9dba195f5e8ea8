import type { Logger } from '../../platform/logger.ts';
import type { DestinationKind } from '../../platform/schema-stream.ts';
import type { Sink } from '../types.ts';
import { createWebhookSink, type WebhookSinkConfig } from './webhook.ts';
import { createSplunkHecSink, type SplunkHecConfig } from './splunk-hec.ts';
import { createJsonlFileSink, type JsonlFileConfig } from './jsonl-file.ts';
import { createSyslogTlsSink, type SyslogTlsConfig } from './syslog-tls.ts';

export interface SinkDeps {
  logger?: Logger;
  /** The runtime's clock in ms (file rotation by age); signatures use the wall clock receivers check against. */
  now?: () => number;
}

/** Builds a sink from a destination's stored settings and its decrypted secret (null for kinds without one). */
type SinkFactory = (config: Record<string, unknown>, secret: string | null, deps: SinkDeps) => Sink;

function required(secret: string | null, kind: string): string {
  if (!secret) throw new Error(`a ${kind} destination has no stored secret`);
  return secret;
}

/** One sink per destination kind: adding a kind is adding a file and a line here. */
export const SINK_FACTORIES: Record<DestinationKind, SinkFactory> = {
  webhook: (config, secret) => createWebhookSink(config as unknown as WebhookSinkConfig, { secret: required(secret, 'webhook') }),
  splunk_hec: (config, secret) => createSplunkHecSink(config as unknown as SplunkHecConfig, { token: required(secret, 'splunk_hec') }),
  syslog_tls: (config, _secret, deps) => createSyslogTlsSink(config as unknown as SyslogTlsConfig, { logger: deps.logger }),
  jsonl_file: (config, _secret, deps) => createJsonlFileSink(config as unknown as JsonlFileConfig, { now: deps.now }),
};

export function createSink(kind: DestinationKind, config: Record<string, unknown>, secret: string | null, deps: SinkDeps = {}): Sink {
  return SINK_FACTORIES[kind](config, secret, deps);
}
