import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../audit/event.ts';
import type { StreamRecord } from './types.ts';
import { escapeSdParam, formatSyslogMessage, frameOctetCounted } from './syslog-format.ts';

function record(overrides: Partial<LedgerEvent> = {}): StreamRecord {
  const event: LedgerEvent = {
    id: '0190f2a0-0000-7000-8000-000000000003',
    seq: 12,
    time: '2026-03-02T09:00:00.123Z',
    action: 'identity.organization.created',
    outcome: 'success',
    actor: { type: 'system', id: 'cli', display: 'cli' },
    org: 'org-"1"]\\',
    targets: [{ type: 'organization', id: 'org-1', display: 'acme' }],
    context: { requestId: 'r', ip: null, userAgent: null },
    data: { slug: 'acme', name: 'Acme' },
    v: 1,
    ...overrides,
  };
  return { kind: 'event', feed: { seq: event.seq, event, leafHash: 'ef'.repeat(32) } };
}

const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (\[.*?[^\\]\]) (.*)$/s;

describe('RFC 5424 messages', () => {
  it('escapes ", \\ and ] in SD-PARAM values', () => {
    expect(escapeSdParam('a"b\\c]d')).toBe('a\\"b\\\\c\\]d');
  });

  it('writes the header, the structured data and the CEF line as MSG', () => {
    const msg = formatSyslogMessage(record(), { format: 'cef', hostname: 'kl-1', appName: 'keyledger', procId: '42' });
    const m = RFC5424.exec(msg)!;
    expect(m).not.toBeNull();
    // facility 13 (log audit) × 8 + severity 6 (informational) for a success.
    expect(m.slice(1, 7)).toEqual(['110', '2026-03-02T09:00:00.123Z', 'kl-1', 'keyledger', '42', 'ledger-event']);
    expect(m[7]).toBe('[keyledger@32473 seq="12" id="0190f2a0-0000-7000-8000-000000000003" action="identity.organization.created" outcome="success" org="org-\\"1\\"\\]\\\\" format="cef"]');
    expect(m[8]).toMatch(/^CEF:0\|Keyledger\|/);
  });

  it('takes the severity from the outcome and the facility from the configuration', () => {
    const failed = record({ action: 'authn.login.failed', outcome: 'failure', reason: 'wrong_password' });
    expect(formatSyslogMessage(failed, { format: 'cef', facility: 10 })).toMatch(/^<84>1 /); // 10 × 8 + 4 warning
    expect(formatSyslogMessage(record({ action: 'oidc.token.replay_detected' }), { format: 'cef' })).toMatch(/^<107>1 /); // 13 × 8 + 3 error (High)
    expect(() => formatSyslogMessage(record(), { format: 'cef', facility: 24 })).toThrow(/facility 24/);
  });

  it('puts a BOM before a UTF-8 MSG holding non-ASCII text, and none before pure ASCII', () => {
    const ocsf = formatSyslogMessage(record({ action: 'identity.user.updated' }), { format: 'ocsf' });
    const body = RFC5424.exec(ocsf)![8];
    expect(body.startsWith('\uFEFF{')).toBe(true); // the catalogue's description holds a typographic apostrophe
    expect(JSON.parse(body.slice(1))).toMatchObject({ class_uid: 3004, metadata: { sequence: 12 } });
    const ascii = formatSyslogMessage(record(), { format: 'cef' });
    expect(RFC5424.exec(ascii)![8].startsWith('CEF:0|')).toBe(true);
  });

  it('replaces header fields outside printable ASCII, and uses - for an empty one', () => {
    const msg = formatSyslogMessage(record(), { format: 'cef', hostname: 'héllo wörld', appName: '' });
    expect(msg).toMatch(/^<110>1 \S+ hllowrld - /);
  });
});

describe('RFC 5425 framing', () => {
  it('prefixes the length in bytes, not characters', () => {
    const frame = frameOctetCounted('<110>1 - - - - - - é€');
    const text = frame.toString('utf8');
    const space = text.indexOf(' ');
    const len = Number(text.slice(0, space));
    expect(len).toBe(Buffer.byteLength('<110>1 - - - - - - é€'));
    expect([len, '<110>1 - - - - - - é€'.length]).toEqual([24, 21]);
    expect(frame.length).toBe(space + 1 + len);
  });
});
