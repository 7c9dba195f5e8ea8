/**
 * A real authoritative DNS server on 127.0.0.1 (UDP, RFC 1035 wire format),
 * so domain verification runs through node's own resolver (c-ares) exactly
 * as in production, pointed here by KEYLEDGER_DNS_SERVERS. It answers TXT
 * questions from records the test publishes; a name with no records is
 * NXDOMAIN, a known name asked for another type gets an empty answer.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

const TYPE_TXT = 16;
const CLASS_IN = 1;
const RCODE_FORMERR = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_NOTIMP = 4;

export interface DnsServer {
  /** `127.0.0.1:<port>`, the value for KEYLEDGER_DNS_SERVERS. */
  address: string;
  port: number;
  /** Publishes TXT records at `name` (each value one record), replacing what was there. */
  setTxt(name: string, values: string[]): void;
  /** Removes every record at `name` (it becomes NXDOMAIN). */
  remove(name: string): void;
  /** The questions received, as `name TYPE` (lower-case name), oldest first. */
  queries: string[];
  close(): Promise<void>;
}

interface Question {
  name: string;
  type: number;
  qclass: number;
  /** The question section's bytes, echoed in the answer. */
  raw: Buffer;
}

/** Reads the first question of a query. Requires a whole message; returns null when it is malformed or uses compression in the question. */
function readQuestion(msg: Buffer): Question | null {
  if (msg.length < 12 || msg.readUInt16BE(4) < 1) return null;
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    if (at >= msg.length) return null;
    const len = msg[at];
    if (len === 0) break;
    if (len > 63 || at + 1 + len > msg.length) return null;
    labels.push(msg.subarray(at + 1, at + 1 + len).toString('latin1'));
    at += 1 + len;
  }
  const end = at + 1 + 4;
  if (end > msg.length) return null;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(at + 1), qclass: msg.readUInt16BE(at + 3), raw: msg.subarray(12, end) };
}

/** A TXT record's RDATA: the value split into character-strings of at most 255 bytes. */
function txtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  let at = 0;
  do {
    const chunk = bytes.subarray(at, at + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
    at += 255;
  } while (at < bytes.length);
  return Buffer.concat(parts);
}

function answer(query: Buffer, q: Question | null, rcode: number, records: string[]): Buffer {
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // the id
  const rd = query.length > 2 ? query[2] & 0x01 : 0;
  const opcode = query.length > 2 ? query[2] & 0x78 : 0;
  header[2] = 0x80 | opcode | 0x04 | rd; // QR, opcode, AA, RD
  header[3] = 0x80 | rcode; // RA, RCODE
  header.writeUInt16BE(q ? 1 : 0, 4);
  header.writeUInt16BE(records.length, 6);
  const answers = records.map((value) => {
    const rdata = txtRdata(value);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    rr.writeUInt16BE(TYPE_TXT, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, q ? q.raw : Buffer.alloc(0), ...answers]);
}

/** Starts the server on an ephemeral UDP port of 127.0.0.1. */
export async function startDnsServer(): Promise<DnsServer> {
  const zone = new Map<string, string[]>();
  const queries: string[] = [];
  const socket: Socket = createSocket('udp4');
  socket.on('message', (msg: Buffer, from: RemoteInfo) => {
    const q = readQuestion(msg);
    let reply: Buffer;
    if (!q) reply = answer(msg, null, RCODE_FORMERR, []);
    else {
      queries.push(`${q.name} ${q.type === TYPE_TXT ? 'TXT' : q.type}`);
      const records = zone.get(q.name);
      if (q.qclass !== CLASS_IN) reply = answer(msg, q, RCODE_NOTIMP, []);
      else if (!records) reply = answer(msg, q, RCODE_NXDOMAIN, []);
      else reply = answer(msg, q, 0, q.type === TYPE_TXT ? records : []);
    }
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((done, fail) => {
    socket.once('error', fail);
    socket.bind(0, '127.0.0.1', () => done());
  });
  const port = socket.address().port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    queries,
    setTxt(name, values) {
      zone.set(name.toLowerCase().replace(/\.$/, ''), [...values]);
    },
    remove(name) {
      zone.delete(name.toLowerCase().replace(/\.$/, ''));
    },
    close: () => new Promise<void>((done) => socket.close(() => done())),
  };
}
