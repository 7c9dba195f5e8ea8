import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
}

export interface HttpPoster {
  /** POSTs `body` and resolves with the answer (any status); rejects on a network error or after `timeoutMs`. */
  post(url: URL, body: string, headers: Record<string, string>): Promise<HttpAnswer>;
  close(): void;
}

/** How much of an answer is kept: receivers' error pages are not stored whole. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * A keep-alive HTTP(S) client for one destination. `caCertificate` (PEM)
 * replaces the system trust store for a receiver behind a private CA; the
 * receiver's certificate is always verified.
 */
export function createHttpPoster(options: { caCertificate?: string; timeoutMs: number }): HttpPoster {
  const https = new HttpsAgent({ keepAlive: true, maxSockets: 4, ...(options.caCertificate ? { ca: options.caCertificate } : {}) });
  const http = new HttpAgent({ keepAlive: true, maxSockets: 4 });
  return {
    post(url, body, headers) {
      return new Promise<HttpAnswer>((resolve, reject) => {
        const secure = url.protocol === 'https:';
        const send = secure ? httpsRequest : httpRequest;
        const req = send(url, { method: 'POST', agent: secure ? https : http, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers }, timeout: options.timeoutMs }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            if (size < MAX_ANSWER_BYTES) chunks.push(c);
            size += c.length;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
      });
    },
    close() {
      https.destroy();
      http.destroy();
    },
  };
}

/** A short, printable error string from a refused answer: status and the start of the body, never more. */
export function answerSnippet(answer: HttpAnswer): string {
  const text = answer.body.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 200);
  return text ? `HTTP ${answer.status}: ${text}` : `HTTP ${answer.status}`;
}
