import type { StreamRecord } from './types.ts';

/** Maps a stream record to an OCSF object (placeholder: the full mapping replaces this file). */
export function toOcsf(record: StreamRecord): Record<string, unknown> {
  if (record.kind === 'event') {
    const { event } = record.feed;
    return { metadata: { uid: event.id, sequence: record.feed.seq }, class_uid: 0, time: Date.parse(event.time), unmapped: { keyledger: { event, leafHash: record.feed.leafHash } } };
  }
  const { checkpoint } = record;
  return { metadata: { uid: `checkpoint-${checkpoint.size}`, sequence: checkpoint.size }, class_uid: 0, time: Date.parse(checkpoint.createdAt), unmapped: { keyledger: { checkpoint } } };
}
