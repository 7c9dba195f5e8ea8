import { describe, expect, it } from 'vitest';
import type { KeyledgerError } from '../../platform/errors.ts';
import { codeOf } from '../../../test/support/thrown.ts';
import { checkRedirectUri, checkRedirectUris, MAX_REDIRECT_URIS, type ApplicationType } from './check-redirect-uris.ts';


const ALL: ApplicationType[] = ['web', 'spa', 'native'];

describe('checkRedirectUri', () => {
  it('accepts https anywhere and http on the three loopback hosts with any port, for every type', () => {
    for (const type of ALL) {
      for (const uri of [
        'https://app.example.com/callback',
        'https://app.example.com:8443/cb?tenant=a',
        'https://app.example.com',
        'http://127.0.0.1/cb',
        'http://127.0.0.1:53682/cb',
        'http://[::1]:8080/callback',
        'http://localhost:3000/auth/callback',
        'http://localhost/cb',
      ]) {
        expect({ type, uri, code: codeOf(() => checkRedirectUri(uri, type)) }).toEqual({ type, uri, code: undefined });
      }
    }
  });

  it('accepts a reverse-domain custom scheme for native apps only', () => {
    expect(codeOf(() => checkRedirectUri('com.example.app:/oauth2redirect', 'native'))).toBeUndefined();
    expect(codeOf(() => checkRedirectUri('com.example.app://callback', 'native'))).toBeUndefined();
    for (const type of ['web', 'spa'] as const) expect(codeOf(() => checkRedirectUri('com.example.app:/cb', type))).toBe('application.redirect_uri_custom_scheme');
    // A scheme without a dot collides too easily with another app's (RFC 8252 §7.1).
    expect(codeOf(() => checkRedirectUri('myapp:/cb', 'native'))).toBe('application.redirect_uri_custom_scheme');
  });

  const refusals: Array<[string, string, ApplicationType[]]> = [
    ['/callback', 'application.redirect_uri_invalid', ALL],
    ['app.example.com/callback', 'application.redirect_uri_invalid', ALL],
    ['//app.example.com/callback', 'application.redirect_uri_invalid', ALL],
    ['', 'application.redirect_uri_invalid', ALL],
    ['https://app.example.com/call back', 'application.redirect_uri_invalid', ALL],
    ['https://app.example.com/cb\n', 'application.redirect_uri_invalid', ALL],
    ['https://app.example.com\\@evil.example/cb', 'application.redirect_uri_invalid', ALL],
    ['https:/app.example.com/cb', 'application.redirect_uri_invalid', ALL],
    ['https:app.example.com/cb', 'application.redirect_uri_invalid', ALL],
    ['javascript:alert(1)', 'application.redirect_uri_invalid', ALL],
    ['data:text/html,hi', 'application.redirect_uri_invalid', ALL],
    ['file:///etc/passwd', 'application.redirect_uri_invalid', ALL],
    ['https://app.example.com/cb#frag', 'application.redirect_uri_fragment', ALL],
    ['https://app.example.com/cb#', 'application.redirect_uri_fragment', ALL],
    ['com.example.app:/cb#x', 'application.redirect_uri_fragment', ['native']],
    ['https://*.example.com/cb', 'application.redirect_uri_wildcard', ALL],
    ['https://app.example.com/*', 'application.redirect_uri_wildcard', ALL],
    ['https://app.example.com/%2A', 'application.redirect_uri_wildcard', ALL],
    ['https://user@app.example.com/cb', 'application.redirect_uri_userinfo', ALL],
    ['https://user:pass@app.example.com/cb', 'application.redirect_uri_userinfo', ALL],
    ['https://app.example.com@evil.example/cb', 'application.redirect_uri_userinfo', ALL],
    ['https://@app.example.com/cb', 'application.redirect_uri_userinfo', ALL],
    ['http://app.example.com/cb', 'application.redirect_uri_insecure', ALL],
    ['http://127.0.0.2/cb', 'application.redirect_uri_insecure', ALL],
    ['http://localhost.evil.example/cb', 'application.redirect_uri_insecure', ALL],
    ['http://127.0.0.1.nip.io/cb', 'application.redirect_uri_insecure', ALL],
    ['http://10.0.0.1/cb', 'application.redirect_uri_insecure', ALL],
  ];
  for (const [uri, code, types] of refusals) {
    it(`refuses ${JSON.stringify(uri)} with ${code}`, () => {
      for (const type of types) expect({ type, code: codeOf(() => checkRedirectUri(uri, type)) }).toEqual({ type, code });
    });
  }

  it('names the list and the URI in the error details', () => {
    try {
      checkRedirectUri('http://app.example.com/bye', 'web', 'postLogoutRedirectUris');
      expect.unreachable();
    } catch (err) {
      expect((err as KeyledgerError).details).toEqual({ field: 'postLogoutRedirectUris', uri: 'http://app.example.com/bye' });
      expect((err as KeyledgerError).message).toContain('postLogoutRedirectUris');
    }
  });
});

describe('checkRedirectUris', () => {
  it(`keeps order, drops duplicates and allows at most ${MAX_REDIRECT_URIS}`, () => {
    expect(checkRedirectUris(['https://b.example/cb', 'https://a.example/cb', 'https://b.example/cb'], 'web')).toEqual(['https://b.example/cb', 'https://a.example/cb']);
    const twenty = Array.from({ length: MAX_REDIRECT_URIS }, (_, i) => `https://app.example.com/cb/${i}`);
    expect(checkRedirectUris(twenty, 'spa')).toHaveLength(MAX_REDIRECT_URIS);
    expect(codeOf(() => checkRedirectUris([...twenty, 'https://app.example.com/cb/20'], 'spa'))).toBe('application.redirect_uri_too_many');
    // Duplicates do not count against the limit.
    expect(checkRedirectUris([...twenty, twenty[0]], 'spa')).toHaveLength(MAX_REDIRECT_URIS);
  });

  it('refuses the list when any URI breaks a rule', () => {
    expect(codeOf(() => checkRedirectUris(['https://ok.example/cb', 'http://bad.example/cb'], 'web'))).toBe('application.redirect_uri_insecure');
  });
});
