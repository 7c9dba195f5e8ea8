import { hostname as osHostname } from 'node:os';
import type { StreamRecord } from './types.ts';
import { toOcsf, classifyEvent, checkpointUid } from './ocsf.ts';
import { toCef } from './cef.ts';

/**
 * RFC 5424 syslog messages and RFC 5425 (syslog over TLS) framing.
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [keyledger@32473 …] MSG
 *
 * PRI = facility × 8 + severity. The facility defaults to 13 ("log audit"):
 * the ledger is an audit trail, and receivers commonly route that facility to
 * security storage; it is configurable. The severity follows the event: its
 * OCSF severity (Informational → 6 informational, Low → 5 notice, Medium →
 * 4 warning, High → 3 error, Critical → 2 critical), so a failure is at
 * least a warning. MSGID names the record kind (`ledger-event` or
 * `ledger-checkpoint`); the action is in the structured data (an action can
 * be longer than MSGID's 32 characters). 32473 is the private enterprise
 * number RFC 5612 reserves for documentation and examples.
 */

export const DEFAULT_FACILITY = 13;
export const SD_ID = 'keyledger@32473';
const BOM = '\uFEFF';

export interface SyslogFormatOptions {
  format: 'ocsf' | 'cef';
  /** 0–23; default 13 (log audit). */
  facility?: number;
  /** Default: this machine's host name. */
  hostname?: string;
  /** Default: keyledger. */
  appName?: string;
  /** Default: this process's id. */
  procId?: string;
}

const SYSLOG_SEVERITY: Record<number, number> = { 0: 6, 1: 6, 2: 5, 3: 4, 4: 3, 5: 2, 6: 1 };

/** Escapes an SD-PARAM value: `"`, `\` and `]` take a backslash (RFC 5424 §6.3.3). */
export function escapeSdParam(value: string): string {
  return value.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

/** A header field: printable US-ASCII only (33–126), at most `max` characters, or the nil value `-` when empty. */
function headerField(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean === '' ? '-' : clean;
}

/** One record as an RFC 5424 message (a string; its UTF-8 bytes are what goes on the wire). */
export function formatSyslogMessage(record: StreamRecord, options: SyslogFormatOptions): string {
  const facility = options.facility ?? DEFAULT_FACILITY;
  if (!Number.isInteger(facility) || facility < 0 || facility > 23) throw new RangeError(`syslog facility ${facility} is out of range, expected 0–23`);
  const severity = record.kind === 'event' ? SYSLOG_SEVERITY[classifyEvent(record.feed.event).severityId] : 6;
  const time = record.kind === 'event' ? record.feed.event.time : record.checkpoint.createdAt;
  const header = [
    `<${facility * 8 + severity}>1`,
    new Date(time).toISOString(),
    headerField(options.hostname ?? osHostname(), 255),
    headerField(options.appName ?? 'keyledger', 48),
    headerField(options.procId ?? String(process.pid), 128),
    record.kind === 'event' ? 'ledger-event' : 'ledger-checkpoint',
  ].join(' ');
  const params: Array<[string, string]> =
    record.kind === 'event'
      ? [
          ['seq', String(record.feed.seq)],
          ['id', record.feed.event.id],
          ['action', record.feed.event.action],
          ['outcome', record.feed.event.outcome],
          ...(record.feed.event.org ? ([['org', record.feed.event.org]] as Array<[string, string]>) : []),
        ]
      : [
          ['size', String(record.checkpoint.size)],
          ['id', checkpointUid(record.checkpoint)],
        ];
  params.push(['format', options.format]);
  const sd = `[${SD_ID} ${params.map(([k, v]) => `${k}="${escapeSdParam(v)}"`).join(' ')}]`;
  const msg = options.format === 'ocsf' ? JSON.stringify(toOcsf(record)) : toCef(record);
  // MSG-UTF8 starts with a BOM (RFC 5424 §6.4); pure ASCII goes as MSG-ANY without one, which CEF parsers expect.
  const body = /[^\x00-\x7f]/.test(msg) ? BOM + msg : msg;
  return `${header} ${sd} ${body}`;
}

/** RFC 5425 octet-counting frame: `MSG-LEN SP SYSLOG-MSG`, the length in bytes of the UTF-8 message. */
export function frameOctetCounted(message: string): Buffer {
  const bytes = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${bytes.length} `, 'ascii'), bytes]);
}
