import { hostname } from 'node:os';
import { toOcsf } from '../ocsf.ts';
import type { Sink, StreamRecord } from '../types.ts';
import { answerSnippet, createHttpPoster } from './http-post.ts';

export interface SplunkHecConfig {
  /** The HEC base URL (`https://splunk.example:8088`); events go to `{url}/services/collector/event`. */
  url: string;
  index?: string;
  sourcetype?: string;
  caCertificate?: string;
  timeoutMs?: number;
}

/** The HEC `time` field: epoch seconds with milliseconds. */
function recordTime(record: StreamRecord): number {
  return Date.parse(record.kind === 'event' ? record.feed.event.time : record.checkpoint.createdAt) / 1000;
}

/**
 * Splunk HTTP Event Collector: one POST per batch, the body a concatenation of
 * `{"time","host","source":"keyledger","sourcetype","index","event":<ocsf>}`
 * objects, authorized by `Authorization: Splunk <token>`. Only HTTP 200 with
 * `"code":0` accepts the batch (HEC answers 200 with another code for partial
 * trouble, 403 for a wrong token, 503 when busy).
 */
export function createSplunkHecSink(config: SplunkHecConfig, deps: { token: string; host?: string }): Sink {
  const endpoint = new URL(`${config.url.replace(/\/+$/, '')}/services/collector/event`);
  const poster = createHttpPoster({ caCertificate: config.caCertificate, timeoutMs: config.timeoutMs ?? 10_000 });
  const host = deps.host ?? hostname();
  return {
    async deliver(batch) {
      const body = batch
        .map((r) => JSON.stringify({ time: recordTime(r), host, source: 'keyledger', sourcetype: config.sourcetype ?? 'ocsf:keyledger', ...(config.index ? { index: config.index } : {}), event: toOcsf(r) }))
        .join('\n');
      const answer = await poster.post(endpoint, body, { 'content-type': 'application/json', authorization: `Splunk ${deps.token}`, 'user-agent': 'Keyledger-Stream/1' });
      let code: unknown = null;
      try {
        code = (JSON.parse(answer.body) as { code?: unknown }).code;
      } catch {
        // not JSON: refused below
      }
      if (answer.status !== 200 || code !== 0) throw new Error(answerSnippet(answer));
    },
    async close() {
      poster.close();
    },
  };
}
