import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A private CA and a server certificate it signed for 127.0.0.1 and localhost, made with the openssl CLI. */
export interface TestPki {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'keyledger-pki-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Keyledger Test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
    return { caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'), certPem: readFileSync(join(dir, 'server.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'server.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ReceivedRequest {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface TlsReceiver {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** Decides each answer: status and body (default 200 `ok`). */
  answer: (req: ReceivedRequest) => { status: number; body?: string };
  /** How long each answer waits (a slow receiver). */
  delayMs: number;
  /** Requests being answered now, and the most there ever were at once. */
  inFlight: number;
  maxInFlight: number;
  /** Stops listening and drops open connections (an outage); `start` listens again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** A real HTTPS server on 127.0.0.1 with a certificate from `pki`: records every request and answers as `answer` says. */
export async function startTlsReceiver(pki: TestPki, port = 0): Promise<TlsReceiver> {
  let server: Server | null = null;
  const state: TlsReceiver = {
    url: '',
    port,
    received: [],
    answer: () => ({ status: 200, body: 'ok' }),
    delayMs: 0,
    inFlight: 0,
    maxInFlight: 0,
    async start() {
      server = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
        const chunks: Buffer[] = [];
        state.inFlight++;
        state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const r: ReceivedRequest = { url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
          state.received.push(r);
          const a = state.answer(r);
          setTimeout(() => {
            state.inFlight--;
            res.writeHead(a.status, { 'content-type': 'application/json' });
            res.end(a.body ?? 'ok');
          }, state.delayMs);
        });
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(state.port, '127.0.0.1', () => resolve());
      });
      state.port = (server.address() as AddressInfo).port;
      state.url = `https://127.0.0.1:${state.port}`;
    },
    async stop() {
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  await state.start();
  return state;
}
