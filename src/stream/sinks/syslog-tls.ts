import { connect, checkServerIdentity, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import type { Logger } from '../../platform/logger.ts';
import type { Sink, StreamRecord } from '../types.ts';
import { formatSyslogMessage, frameOctetCounted } from '../syslog-format.ts';

export interface SyslogTlsConfig {
  host: string;
  port: number;
  format: 'ocsf' | 'cef';
  /** PEM of the CA(s) that sign the receiver's certificate; default: the system's CAs. */
  caCertificate?: string;
  /** The name the receiver's certificate must carry; default: host. */
  serverName?: string;
  appName?: string;
  hostname?: string;
  /** Syslog facility 0–23; default 13 (log audit). */
  facility?: number;
  /** Longest a batch may take from connecting to the receiver's close; default 30 s. */
  timeoutMs?: number;
  /**
   * After a failed delivery, what was delivered in this many milliseconds
   * before the failure is sent again ahead of the next batch; default 30 s
   * (see `createSyslogTlsSink`).
   */
  replayWindowMs?: number;
}

/** The most frames kept for a replay after a failure. */
const REPLAY_MAX_FRAMES = 20_000;

const DEFAULT_TIMEOUT_MS = 30_000;

/** Why a delivery failed, for logs and for the caller's retry bookkeeping. */
export class SyslogDeliveryError extends Error {
  constructor(
    message: string,
    readonly stage: 'connect' | 'send' | 'confirm' | 'timeout',
  ) {
    super(message);
    this.name = 'SyslogDeliveryError';
  }
}

/**
 * A sink that sends batches to a syslog receiver over TLS (RFC 5425), one
 * RFC 5424 message per record, octet-counted.
 *
 * Syslog has no application acknowledgement, so each batch proves its own
 * receipt: it goes on a connection of its own, which is half-closed after the
 * last byte (TLS close_notify, then TCP FIN). A receiver that has read to the
 * end of the stream closes its side; one that stops before (shutting down,
 * crashing) closes with data unread, which the kernel answers with a reset.
 * So `deliver` resolves only when the receiver closes cleanly after our
 * half-close, and rejects on any error, reset, early close or timeout; the
 * caller then retries the whole batch (duplicates are possible, loss is not;
 * receivers deduplicate by the event id in the structured data).
 *
 * A clean close proves the receiver read the batch, not that it kept it: a
 * receiver told to stop may close its connections cleanly with what it read
 * still in memory, and drop it. So after a failure, everything this sink
 * delivered within `replayWindowMs` before it is sent again ahead of the next
 * batch (once), covering what a receiver that was going away may have lost.
 */
export function createSyslogTlsSink(config: SyslogTlsConfig, deps: { logger?: Logger } = {}): Sink {
  const serverName = config.serverName ?? config.host;
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const open = new Set<TLSSocket>();
  const replayWindowMs = config.replayWindowMs ?? 30_000;
  /** Frames delivered lately (with when), kept for a replay after the next failure. */
  let recent: Array<{ at: number; frame: Buffer }> = [];
  /** Frames to send again ahead of the next batch: those delivered shortly before a failure. */
  let replay: Buffer[] = [];

  function sendBatch(payload: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let halfClosed = false;
      let peerEnded = false;
      const socket = connect({
        host: config.host,
        port: config.port,
        ca: config.caCertificate ? [config.caCertificate] : undefined,
        // SNI carries names only (RFC 6066); the certificate check below uses serverName either way.
        servername: isIP(serverName) ? undefined : serverName,
        checkServerIdentity: (_host, cert) => checkServerIdentity(serverName, cert),
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
      });
      open.add(socket);
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        open.delete(socket);
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve();
      };
      const timer = setTimeout(() => finish(new SyslogDeliveryError(`syslog receiver ${config.host}:${config.port} did not confirm the batch within ${timeoutMs} ms`, 'timeout')), timeoutMs);
      let connected = false;
      socket.once('secureConnect', () => {
        connected = true;
        socket.end(payload, () => {
          halfClosed = true;
        });
      });
      socket.on('data', () => {
        // A syslog receiver sends nothing back; whatever it sends is ignored.
      });
      socket.once('end', () => {
        peerEnded = true;
        // Closing before all of the batch was written means it cannot have read all of it.
        if (!halfClosed) finish(new SyslogDeliveryError(`syslog receiver ${config.host}:${config.port} closed the connection before the whole batch was sent`, 'send'));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        const stage = connected ? 'send' : 'connect';
        finish(new SyslogDeliveryError(`syslog delivery to ${config.host}:${config.port} failed: ${err.code ?? ''} ${err.message}`.replace('  ', ' '), stage));
      });
      socket.once('close', (hadError) => {
        if (hadError) return finish(new SyslogDeliveryError(`syslog connection to ${config.host}:${config.port} closed with an error`, 'send'));
        if (!halfClosed || !peerEnded) return finish(new SyslogDeliveryError(`syslog connection to ${config.host}:${config.port} closed before the receiver confirmed it read the batch`, 'confirm'));
        finish();
      });
    });
  }

  return {
    async deliver(batch: StreamRecord[]): Promise<void> {
      if (batch.length === 0) return;
      const frames = batch.map((record) => frameOctetCounted(formatSyslogMessage(record, { format: config.format, facility: config.facility, hostname: config.hostname, appName: config.appName })));
      const payload = Buffer.concat([...replay, ...frames]);
      try {
        await sendBatch(payload);
      } catch (err) {
        // A receiver that stops can have read a batch (and closed cleanly) without writing it. What it was sent just
        // before it went away is sent again with the next batch: duplicates, never a gap.
        if (replay.length === 0) {
          const since = Date.now() - replayWindowMs;
          replay = recent.filter((r) => r.at >= since).map((r) => r.frame);
          recent = [];
        }
        deps.logger?.warn({ err, host: config.host, port: config.port, records: batch.length, replayed: replay.length }, 'syslog batch not delivered');
        throw err;
      }
      const at = Date.now();
      recent = [...recent.filter((r) => r.at >= at - replayWindowMs), ...frames.map((frame) => ({ at, frame }))].slice(-REPLAY_MAX_FRAMES);
      deps.logger?.debug({ host: config.host, port: config.port, records: batch.length, replayed: replay.length, bytes: payload.length }, 'syslog batch delivered');
      replay = [];
    },
    async close(): Promise<void> {
      for (const socket of open) socket.destroy();
      open.clear();
    },
  } satisfies Sink;
}
