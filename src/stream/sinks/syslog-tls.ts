import type { Logger } from '../../platform/logger.ts';
import type { Sink } from '../types.ts';

export interface SyslogTlsConfig {
  host: string;
  port: number;
  format: 'ocsf' | 'cef';
  caCertificate?: string;
  serverName?: string;
  appName?: string;
  hostname?: string;
}

/** Syslog over TLS (placeholder: the RFC 5425 sink replaces this file). */
export function createSyslogTlsSink(_config: SyslogTlsConfig, _deps: { logger?: Logger }): Sink {
  return {
    async deliver() {
      throw new Error('syslog over TLS is not available in this build');
    },
    async close() {},
  };
}
