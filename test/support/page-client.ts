import type { LightMyRequestResponse } from 'fastify';
import type { App } from '../../src/http/app.ts';

/**
 * A browser-like client for the hosted pages over app.inject: keeps cookies
 * across requests (honouring Max-Age=0 deletions), sends forms urlencoded,
 * and reads the CSRF token out of the last page, as a browser form would.
 */
export class PageClient {
  readonly cookies = new Map<string, string>();
  last: LightMyRequestResponse | null = null;

  constructor(
    private readonly app: App,
    private readonly headers: Record<string, string> = { 'user-agent': 'PageClient/1.0' },
  ) {}

  private store(res: LightMyRequestResponse): void {
    const raw = res.headers['set-cookie'];
    for (const line of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/Max-Age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({ method: 'GET', url, headers: { ...this.headers, cookie: this.cookieHeader(), ...headers } });
    this.store(res);
    this.last = res;
    return res;
  }

  /** Posts a form; `_csrf` is taken from the last page unless the fields give one (or `null` to send none). */
  async post(url: string, fields: Record<string, string | null>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const form = new URLSearchParams();
    const csrf = '_csrf' in fields ? fields._csrf : this.csrfToken();
    if (csrf) form.set('_csrf', csrf);
    for (const [k, v] of Object.entries(fields)) if (k !== '_csrf' && v !== null) form.set(k, v);
    const res = await this.app.inject({ method: 'POST', url, payload: form.toString(), headers: { ...this.headers, 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader(), ...headers } });
    this.store(res);
    this.last = res;
    return res;
  }

  /** Posts JSON with the CSRF header (the WebAuthn fetches). */
  async postJson(url: string, body: unknown, csrf: string | null = this.csrfToken()): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { ...this.headers, 'content-type': 'application/json', accept: 'application/json', cookie: this.cookieHeader(), ...(csrf ? { 'x-csrf-token': csrf } : {}) } });
    this.store(res);
    this.last = res;
    return res;
  }

  /** The CSRF token of the last page's first form. */
  csrfToken(): string | null {
    const m = this.last?.body.match(/name="_csrf" value="([^"]+)"/) ?? this.last?.body.match(/data-csrf="([^"]+)"/);
    return m ? m[1] : null;
  }

  /** Follows one redirect (303/302) with a GET. */
  async follow(): Promise<LightMyRequestResponse> {
    const location = this.last?.headers.location;
    if (!location) throw new Error(`expected a redirect, got ${this.last?.statusCode}`);
    return this.get(String(location));
  }
}

/** The page's text without tags, whitespace collapsed: what a reader sees. */
export function visibleText(body: string): string {
  return body.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();
}
