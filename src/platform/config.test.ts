import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('WebAuthn relying party configuration', () => {
  it('defaults to the public URL’s host and origin', () => {
    const c = loadConfig({ KEYLEDGER_PUBLIC_URL: 'https://id.acme.test/' });
    expect({ rpId: c.webauthnRpId, origins: c.webauthnOrigins }).toEqual({ rpId: 'id.acme.test', origins: ['https://id.acme.test'] });
    expect(loadConfig({ PORT: '8080' }).webauthnOrigins).toEqual(['http://localhost:8080']);
    // A plain-http or IP deployment still starts (passkeys simply cannot be used there by browsers).
    expect(loadConfig({ KEYLEDGER_PUBLIC_URL: 'http://10.0.0.5:8080' }).webauthnRpId).toBe('10.0.0.5');
  });

  it('takes a parent-domain RP id and several origins from the environment', () => {
    const c = loadConfig({ KEYLEDGER_PUBLIC_URL: 'https://id.acme.test', KEYLEDGER_WEBAUTHN_RP_ID: 'Acme.test', KEYLEDGER_WEBAUTHN_ORIGINS: 'https://id.acme.test, https://login.acme.test,https://acme.test' });
    expect({ rpId: c.webauthnRpId, origins: c.webauthnOrigins }).toEqual({ rpId: 'acme.test', origins: ['https://id.acme.test', 'https://login.acme.test', 'https://acme.test'] });
  });

  it.each([
    [{ KEYLEDGER_WEBAUTHN_RP_ID: 'other.test' }, /neither the host of origin "https:\/\/id\.acme\.test" nor a parent domain/],
    // A suffix that is not a parent domain (cme.test of id.acme.test) is refused too.
    [{ KEYLEDGER_WEBAUTHN_RP_ID: 'cme.test' }, /neither the host/],
    [{ KEYLEDGER_WEBAUTHN_RP_ID: 'https://acme.test' }, /must be a host name/],
    [{ KEYLEDGER_WEBAUTHN_ORIGINS: 'https://id.acme.test/login' }, /is not an origin \(expected "https:\/\/id\.acme\.test"\)/],
    [{ KEYLEDGER_WEBAUTHN_ORIGINS: 'id.acme.test' }, /is not an absolute URL/],
    [{ KEYLEDGER_WEBAUTHN_ORIGINS: ' , ' }, /lists no origin/],
  ])('refuses %j with config.invalid', (env, message) => {
    expect(() => loadConfig({ KEYLEDGER_PUBLIC_URL: 'https://id.acme.test', ...env })).toThrow(expect.objectContaining({ code: 'config.invalid', message: expect.stringMatching(message) }));
  });
});
