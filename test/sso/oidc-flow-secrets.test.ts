import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { flowSecrets } from '../../src/sso/oidc/flow-secrets.ts';
import { pkceChallenge } from '../../src/sso/oidc/authorization-url.ts';

describe('OIDC flow secrets derived from the state', () => {
  const key = Buffer.alloc(32, 7);

  it('are the same for the same key and state, so the callback can recompute them', () => {
    expect(flowSecrets(key, 'state-1')).toEqual(flowSecrets(Buffer.from(key), 'state-1'));
  });

  it('match a known vector (HMAC-SHA256 with a label per secret)', () => {
    const expected = (label: string) => createHmac('sha256', key).update(`${label}\0state-1`).digest('base64url');
    expect(flowSecrets(key, 'state-1')).toEqual({ nonce: expected('keyledger.sso.oidc.nonce'), codeVerifier: expected('keyledger.sso.oidc.pkce') });
  });

  it('differ with the state and with the key, and the nonce is not the verifier', () => {
    const a = flowSecrets(key, 'state-1');
    const otherState = flowSecrets(key, 'state-2');
    const otherKey = flowSecrets(randomBytes(32), 'state-1');
    expect(new Set([a.nonce, a.codeVerifier, otherState.nonce, otherState.codeVerifier, otherKey.nonce, otherKey.codeVerifier]).size).toBe(6);
    // A state that extends another gives unrelated secrets (no length-extension shortcut).
    expect(flowSecrets(key, 'state-1x').codeVerifier).not.toBe(a.codeVerifier);
  });

  it('give an RFC 7636 code verifier (43 unreserved characters) and its S256 challenge', () => {
    const { codeVerifier } = flowSecrets(key, 'anything');
    expect(codeVerifier).toMatch(/^[A-Za-z0-9\-._~]{43}$/);
    // RFC 7636 appendix B.
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('refuse a short key or an empty state', () => {
    expect(() => flowSecrets(Buffer.alloc(31), 'state')).toThrow(RangeError);
    expect(() => flowSecrets(key, '')).toThrow(RangeError);
  });
});
