import { describe, expect, it } from 'vitest';
import { clearSessionCookie, readSessionCookie, serializeSessionCookie, sessionCookieName } from './session-cookie.ts';
import { thrown } from '../../test/support/thrown.ts';

const TOKEN = `kl_sess_${'A'.repeat(20)}-_${'z'.repeat(21)}`;

/** The attributes of a Set-Cookie value, lower-cased names, for order-free assertions. */
function attributesOf(setCookie: string): { name: string; value: string; attrs: Record<string, string> } {
  const [pair, ...rest] = setCookie.split('; ');
  const eq = pair.indexOf('=');
  const attrs = Object.fromEntries(rest.map((a) => { const [k, v = ''] = a.split('='); return [k.toLowerCase(), v]; }));
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attrs };
}

describe('session cookie on https', () => {
  const publicUrl = 'https://id.example.com';

  it('is __Host-kl_session: Secure, HttpOnly, SameSite=Lax, Path=/, no Domain', () => {
    expect(sessionCookieName(publicUrl)).toBe('__Host-kl_session');
    const c = attributesOf(serializeSessionCookie(TOKEN, { publicUrl, maxAgeSeconds: 43_200 }));
    expect(c).toEqual({ name: '__Host-kl_session', value: TOKEN, attrs: { path: '/', 'max-age': '43200', httponly: '', samesite: 'Lax', secure: '' } });
    expect(serializeSessionCookie(TOKEN, { publicUrl: 'https://id.example.com:8443/base/', maxAgeSeconds: 60 })).not.toMatch(/domain/i);
  });

  it('is cleared with the same name and attributes and Max-Age=0', () => {
    expect(attributesOf(clearSessionCookie(publicUrl))).toEqual({ name: '__Host-kl_session', value: '', attrs: { path: '/', 'max-age': '0', httponly: '', samesite: 'Lax', secure: '' } });
  });

  it('is read only under its own name, never a plain kl_session a sibling subdomain could plant', () => {
    expect(readSessionCookie(`theme=dark; __Host-kl_session=${TOKEN}; other=1`, publicUrl)).toBe(TOKEN);
    expect(readSessionCookie(`kl_session=${TOKEN}`, publicUrl)).toBeNull();
    expect(readSessionCookie(`x__Host-kl_session=${TOKEN}`, publicUrl)).toBeNull();
    expect(readSessionCookie('__Host-kl_session=', publicUrl)).toBeNull();
    expect(readSessionCookie(undefined, publicUrl)).toBeNull();
    expect(readSessionCookie('', publicUrl)).toBeNull();
  });
});

describe('session cookie on plain http', () => {
  it.each(['http://localhost:8080', 'http://127.0.0.1:8080/', 'http://[::1]:3000'])('on loopback %s is kl_session without Secure', (publicUrl) => {
    expect(sessionCookieName(publicUrl)).toBe('kl_session');
    const c = attributesOf(serializeSessionCookie(TOKEN, { publicUrl, maxAgeSeconds: 1800 }));
    expect(c).toEqual({ name: 'kl_session', value: TOKEN, attrs: { path: '/', 'max-age': '1800', httponly: '', samesite: 'Lax' } });
    expect(readSessionCookie(`kl_session=${TOKEN}`, publicUrl)).toBe(TOKEN);
    expect(attributesOf(clearSessionCookie(publicUrl)).attrs).not.toHaveProperty('secure');
  });

  it('on any other host still sets Secure (the browser then never sends it back)', () => {
    const c = attributesOf(serializeSessionCookie(TOKEN, { publicUrl: 'http://id.internal.example', maxAgeSeconds: 60 }));
    expect(c.name).toBe('kl_session');
    expect(c.attrs).toHaveProperty('secure', '');
  });
});

describe('session cookie refusals', () => {
  it.each([
    ['a token carrying a header break', `${TOKEN}\r\nSet-Cookie: x=1`, 60, 'https://id.example.com'],
    ['a token carrying an attribute', `${TOKEN}; Domain=evil.example`, 60, 'https://id.example.com'],
    ['a zero lifetime', TOKEN, 0, 'https://id.example.com'],
    ['a fractional lifetime', TOKEN, 1.5, 'https://id.example.com'],
    ['a public URL that is not one', TOKEN, 60, 'id.example.com'],
    ['a non-web public URL', TOKEN, 60, 'ftp://id.example.com'],
  ])('refuse %s with session.cookie_invalid', (_name, token, maxAgeSeconds, publicUrl) => {
    expect(thrown(() => serializeSessionCookie(token, { publicUrl, maxAgeSeconds }))).toMatchObject({ code: 'session.cookie_invalid', status: 500, expose: false });
  });
});
