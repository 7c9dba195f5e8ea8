import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real rsyslogd for a test: its own temp folder, a CA and a server
 * certificate made with the openssl CLI, a config that loads nothing but
 * imtcp with the gtls driver (TLS, anonymous client auth) on a free loopback
 * port and an omfile action writing one JSON line per message (rsyslog's own
 * parse of the RFC 5424 fields, and the raw message). Started in the
 * foreground (-n) with no system config and no imuxsock.
 */

const RSYSLOGD = '/usr/sbin/rsyslogd';

/** A certificate authority made for a test, which can issue server certificates. */
export interface TestCa {
  dir: string;
  certPem: string;
  keyFile: string;
  certFile: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** A fresh CA (EC P-256, self-signed) in `dir`. */
export function createTestCa(dir: string, name: string): TestCa {
  mkdirSync(dir, { recursive: true });
  const keyFile = join(dir, `${name}-key.pem`);
  const certFile = join(dir, `${name}.pem`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return { dir, certPem: readFileSync(certFile, 'utf8'), keyFile, certFile };
}

/** A server certificate signed by `ca` for the given DNS names (and 127.0.0.1). */
export function issueServerCertificate(ca: TestCa, dir: string, dnsNames: string[]): { certFile: string; keyFile: string } {
  const keyFile = join(dir, 'server-key.pem');
  const csrFile = join(dir, 'server.csr');
  const certFile = join(dir, 'server.pem');
  const extFile = join(dir, 'server.ext');
  writeFileSync(extFile, `subjectAltName=${[...dnsNames.map((n) => `DNS:${n}`), 'IP:127.0.0.1'].join(',')}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`);
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', csrFile, '-subj', `/CN=${dnsNames[0]}`], dir);
  openssl(['x509', '-req', '-in', csrFile, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', extFile], dir);
  return { certFile, keyFile };
}

/** A free loopback TCP port, as the kernel hands it out. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One message as rsyslog parsed and stored it. */
export interface ReceivedMessage {
  pri: number;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: string;
  /** MSG without its UTF-8 BOM (rsyslog keeps the BOM in its msg property). */
  msg: string;
  /** Whether MSG started with a BOM. */
  bom: boolean;
  raw: string;
}

export interface Rsyslog {
  host: '127.0.0.1';
  port: number;
  /** The name in the server certificate. */
  serverName: string;
  /** PEM of the CA that signed the server certificate. */
  caPem: string;
  start(): Promise<void>;
  /** SIGTERM, and wait for the process to exit. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Every message received and written so far, in arrival order (rsyslogd's own notices left out). */
  lines(): ReceivedMessage[];
  /** Waits until at least `count` messages were written (rsyslog writes asynchronously). */
  waitForLines(count: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
  /** Kills the process if it runs and removes the temp folder. */
  close(): Promise<void>;
}

export interface RsyslogOptions {
  /** The CA that signs the server certificate; default: a fresh one. A test passes another to play a rogue server. */
  ca?: TestCa;
  serverName?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function configText(dir: string, port: number, ca: TestCa, cert: { certFile: string; keyFile: string }): string {
  return `global(
  workDirectory="${dir}/work"
  maxMessageSize="256k"
  defaultNetstreamDriver="gtls"
  defaultNetstreamDriverCAFile="${ca.certFile}"
  defaultNetstreamDriverCertFile="${cert.certFile}"
  defaultNetstreamDriverKeyFile="${cert.keyFile}"
)
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
template(name="keyledgerJson" type="list" option.jsonf="on") {
  property(outname="pri" name="pri" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="appName" name="app-name" format="jsonf")
  property(outname="procId" name="procid" format="jsonf")
  property(outname="msgId" name="msgid" format="jsonf")
  property(outname="structuredData" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
  property(outname="raw" name="rawmsg" format="jsonf")
}
input(type="imtcp" address="127.0.0.1" port="${port}")
action(type="omfile" file="${dir}/messages.jsonl" template="keyledgerJson" asyncWriting="off" flushOnTXEnd="on")
`;
}

/** Prepares an rsyslogd (certificates, config, port); call `start()` to run it. */
export async function createRsyslog(options: RsyslogOptions = {}): Promise<Rsyslog> {
  const dir = mkdtempSync(join(tmpdir(), 'keyledger-rsyslog-'));
  mkdirSync(join(dir, 'work'));
  const serverName = options.serverName ?? 'syslog.keyledger.test';
  const ca = options.ca ?? createTestCa(join(dir, 'ca'), 'keyledger-test-ca');
  const cert = issueServerCertificate(ca, dir, [serverName, 'localhost']);
  const port = await freePort();
  const confFile = join(dir, 'rsyslog.conf');
  const pidFile = join(dir, 'rsyslogd.pid');
  const outFile = join(dir, 'messages.jsonl');
  writeFileSync(confFile, configText(dir, port, ca, cert));
  let child: ChildProcess | null = null;
  let stderr = '';

  async function start(): Promise<void> {
    if (child) throw new Error('rsyslogd is already running');
    rmSync(pidFile, { force: true });
    stderr = '';
    const proc = spawn(RSYSLOGD, ['-n', '-f', confFile, '-i', pidFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (b: Buffer) => (stderr += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    child = proc;
    proc.once('exit', () => {
      if (child === proc) child = null;
    });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (!child) throw new Error(`rsyslogd exited at start: ${stderr}`);
      if (await portAccepts(port)) return;
      await sleep(50);
    }
    throw new Error(`rsyslogd did not listen on 127.0.0.1:${port} within 15 s: ${stderr}`);
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), sleep(15_000).then(() => true)]);
    if (timedOut) {
      proc.kill('SIGKILL');
      await exited;
    }
    child = null;
  }

  function lines(): ReceivedMessage[] {
    if (!existsSync(outFile)) return [];
    return readFileSync(outFile, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const j = JSON.parse(l) as Record<string, string>;
        const bom = j.msg.startsWith('\uFEFF');
        return { pri: Number(j.pri), hostname: j.hostname, appName: j.appName, procId: j.procId, msgId: j.msgId, structuredData: j.structuredData, msg: bom ? j.msg.slice(1) : j.msg, bom, raw: j.raw };
      })
      .filter((m) => m.appName !== 'rsyslogd');
  }

  return {
    host: '127.0.0.1',
    port,
    serverName,
    caPem: ca.certPem,
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
    lines,
    async waitForLines(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = lines();
        if (got.length >= count || Date.now() > deadline) return got;
        await sleep(25);
      }
    },
    async close() {
      const proc = child;
      if (proc) {
        const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        proc.kill('SIGKILL');
        await exited;
        child = null;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
