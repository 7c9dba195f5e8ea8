import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../audit/event.ts';
import { escapeCefHeader, escapeCefValue, toCef } from './cef.ts';
import { parseCef } from '../../test/support/cef-parser.ts';
import { PRODUCT_VERSION } from './product.ts';

const NASTY = 'Ada | Ops = lead \\ x\r\nnext line';

function event(overrides: Partial<LedgerEvent> = {}): LedgerEvent {
  return {
    id: '0190f2a0-0000-7000-8000-000000000002',
    seq: 41,
    time: '2026-03-02T09:00:00.123Z',
    action: 'authn.login.failed',
    outcome: 'failure',
    reason: 'wrong=password|x',
    actor: { type: 'system', id: 'login-page', display: NASTY },
    org: 'org|=1',
    targets: [{ type: 'user', id: 'u-1', display: NASTY }],
    context: { requestId: 'req=1', ip: '192.0.2.7', userAgent: 'UA with = and \\ and |' },
    data: { email: 'ada@acme.test', note: NASTY },
    v: 1,
    ...overrides,
  };
}
const line = (e: LedgerEvent) => toCef({ kind: 'event', feed: { seq: e.seq, event: e, leafHash: 'cd'.repeat(32) } });

describe('CEF encoding', () => {
  it('escapes header fields: backslash and pipe, and no line break', () => {
    expect(escapeCefHeader('a|b\\c\nd')).toBe('a\\|b\\\\c d');
  });

  it('escapes extension values: backslash, equals, CR and LF', () => {
    expect(escapeCefValue('a=b\\c\r\nd|e')).toBe('a\\=b\\\\c\\r\\nd|e');
  });

  it('writes one line whose fields parse back exactly, whatever the display names hold', () => {
    const text = line(event());
    expect(text).not.toMatch(/[\r\n]/);
    const cef = parseCef(text);
    expect(cef.header).toEqual({ version: '0', vendor: 'Keyledger', product: 'Keyledger', productVersion: PRODUCT_VERSION, signatureId: 'authn.login.failed', name: expect.stringContaining('sign-in attempt was refused'), severity: '5' });
    expect(cef.extension).toMatchObject({
      rt: String(Date.parse('2026-03-02T09:00:00.123Z')),
      act: 'authn.login.failed',
      outcome: 'failure',
      suser: NASTY,
      suid: 'login-page',
      duser: NASTY,
      duid: 'u-1',
      src: '192.0.2.7',
      requestClientApplication: 'UA with = and \\ and |',
      externalId: '0190f2a0-0000-7000-8000-000000000002',
      cn1: '41',
      cn1Label: 'ledgerSeq',
      cs1: 'org|=1',
      cs1Label: 'org',
      cs2: 'cd'.repeat(32),
      cs3: 'wrong=password|x',
      cs3Label: 'reason',
      cs4: 'req=1',
    });
    expect(JSON.parse(cef.extension.cs5).data.note).toBe(NASTY);
  });

  it('escapes a pipe in the signature name and keeps the header at seven fields', () => {
    const cef = parseCef(toCef({ kind: 'checkpoint', checkpoint: { size: 3, rootHash: 'a|b=', note: 'origin\n3\na|b=\n\n— sig\n', keyId: 'k\\1', createdAt: '2026-03-02T09:00:00.000Z' } }));
    expect(cef.header.signatureId).toBe('ledger.checkpoint');
    expect(cef.extension).toMatchObject({ cn1: '3', cn1Label: 'treeSize', cs2: 'a|b=', cs3: 'k\\1', msg: 'origin\n3\na|b=\n\n— sig\n' });
  });

  it('leaves out what the event does not have (no address, no reason)', () => {
    const cef = parseCef(line(event({ outcome: 'success', reason: undefined, context: { requestId: 'r', ip: null, userAgent: null } })));
    expect(Object.keys(cef.extension)).not.toContain('src');
    expect(Object.keys(cef.extension)).not.toContain('cs3');
    expect(Object.keys(cef.extension)).not.toContain('requestClientApplication');
    expect(cef.header.severity).toBe('1');
  });

  it('refuses what a strict parser must refuse (so the round trips above prove something)', () => {
    expect(() => parseCef('CEF:0|a|b|c|d|e|1|k=v=w')).toThrow(/unescaped =/);
    expect(() => parseCef('CEF:0|a|b|c|d|e|1|k=v\nw')).toThrow(/line break/);
    expect(() => parseCef('CEF:0|a|b|c|d|e')).toThrow(/header/);
  });
});
