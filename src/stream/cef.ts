import type { StreamRecord } from './types.ts';

/** Formats a stream record as a CEF line (placeholder: the full mapping replaces this file). */
export function toCef(record: StreamRecord): string {
  const name = record.kind === 'event' ? record.feed.event.action : 'ledger.checkpoint';
  return `CEF:0|Keyledger|Keyledger|1|${name}|${name}|3|`;
}
