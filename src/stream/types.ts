import type { FeedEvent } from './ledger-feed.ts';

/** A signed checkpoint as it is streamed: the SIEM keeps an external copy of the tree heads. */
export interface StreamCheckpoint {
  size: number;
  /** Root hash, base64 (as in the signed note). */
  rootHash: string;
  /** The signed note text (C2SP tlog-checkpoint), verifiable with the ledger's public key. */
  note: string;
  keyId: string;
  createdAt: string;
}

/** What a destination receives, in ledger order: events, and checkpoints once the tree covers them. */
export type StreamRecord = { kind: 'event'; feed: FeedEvent } | { kind: 'checkpoint'; checkpoint: StreamCheckpoint };

/**
 * A delivery target. `deliver` sends one ordered batch and resolves only when
 * the receiver has accepted all of it (HTTP 2xx, bytes written and flushed);
 * it rejects on any failure, and the caller retries the whole batch later
 * (at-least-once: receivers deduplicate by event id).
 */
export interface Sink {
  deliver(batch: StreamRecord[]): Promise<void>;
  close(): Promise<void>;
}
