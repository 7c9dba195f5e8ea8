import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The SAML schema validator for the test IdP (@authenio/samlify-node-xmllint,
 * libxml2's xmllint compiled to asm.js), run in one worker thread per test
 * process. In-process it is hostile to its host: every call adds a
 * process 'uncaughtException' listener that rethrows, writes " " to stdout,
 * and arms `process.stdout.once('drain', () => process.exit(status))`. In a
 * worker whose stdout writes are swallowed, none of that reaches the test
 * process. The worker stays up because loading the 4 MB module takes seconds.
 */

const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
process.stdout.write = () => true;
process.stderr.write = () => true;
process.setMaxListeners(0);
const xmllint = require(workerData.xmllintPath);
parentPort.on('message', ({ id, xml }) => {
  xmllint.validate(xml).then(
    () => parentPort.postMessage({ id, ok: true }),
    (err) => parentPort.postMessage({ id, ok: false, error: String(err) }),
  );
});
`;

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();

function startWorker(): Worker {
  const xmllintPath = createRequire(import.meta.url).resolve('@authenio/samlify-node-xmllint');
  const w = new Worker(WORKER_CODE, { eval: true, workerData: { xmllintPath }, stdout: true, stderr: true });
  w.on('message', ({ id, ok, error }: { id: number; ok: boolean; error?: string }) => {
    const p = pending.get(id);
    pending.delete(id);
    if (ok) p?.resolve('SUCCESS_VALIDATE_XML');
    else p?.reject(new Error(error ?? 'ERR_EXCEPTION_VALIDATE_XML'));
  });
  const fail = (err: Error) => {
    worker = null;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`the xmllint worker exited (${code})`)));
  // After the listeners: adding a 'message' listener refs the worker again, and an idle worker must not keep a process alive.
  w.unref();
  return w;
}

/** Validates XML against the SAML 2.0 protocol and assertion schemas (with xmldsig and xenc); rejects when it does not conform. */
export function validateSamlSchema(xml: string): Promise<string> {
  worker ??= startWorker();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker!.postMessage({ id, xml });
  });
}

/** Loads the validator ahead of the first real validation (the first load takes seconds; do it in a beforeAll). */
export async function warmUpSamlSchema(): Promise<void> {
  await validateSamlSchema(
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_warm" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:Response>',
  );
}
