import { signatureHeader } from '../../notify/webhooks.ts';
import { toOcsf } from '../ocsf.ts';
import type { Sink, StreamRecord } from '../types.ts';
import { answerSnippet, createHttpPoster } from './http-post.ts';

export interface WebhookSinkConfig {
  url: string;
  /** PEM of a private CA the receiver's certificate chains to. */
  caCertificate?: string;
  timeoutMs?: number;
}

/** `<first>-<last>` event seq of a batch (`Keyledger-Batch`), or `checkpoint` for a batch of tree heads only. */
export function batchRange(batch: StreamRecord[]): string {
  const seqs = batch.flatMap((r) => (r.kind === 'event' ? [r.feed.seq] : []));
  return seqs.length ? `${seqs[0]}-${seqs[seqs.length - 1]}` : 'checkpoint';
}

/**
 * POSTs each batch as a JSON array of OCSF objects, signed like every
 * Keyledger webhook: `Keyledger-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret,
 * t + "." + body)>`. Any 2xx accepts the batch; anything else, a network
 * error or a timeout rejects it (and the engine retries the whole batch).
 */
export function createWebhookSink(config: WebhookSinkConfig, deps: { secret: string; now?: () => number }): Sink {
  const url = new URL(config.url);
  const poster = createHttpPoster({ caCertificate: config.caCertificate, timeoutMs: config.timeoutMs ?? 10_000 });
  const now = deps.now ?? Date.now;
  return {
    async deliver(batch) {
      const body = JSON.stringify(batch.map(toOcsf));
      const t = Math.floor(now() / 1000);
      const answer = await poster.post(url, body, {
        'content-type': 'application/json',
        'user-agent': 'Keyledger-Stream/1',
        'keyledger-signature': signatureHeader(deps.secret, t, body),
        'keyledger-batch': batchRange(batch),
      });
      if (answer.status < 200 || answer.status > 299) throw new Error(answerSnippet(answer));
    },
    async close() {
      poster.close();
    },
  };
}
