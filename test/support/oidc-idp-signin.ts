/** Cookies per host, as a browser would keep them for the IdP (paths and expiry beyond removal are ignored). */
export class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();

  header(url: URL): string {
    return [...(this.byHost.get(url.host) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  store(url: URL, res: Response): void {
    let jar = this.byHost.get(url.host);
    if (!jar) this.byHost.set(url.host, (jar = new Map()));
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }
}

export interface IdpSignInOptions {
  /** Act as a browser: ask for HTML and press the page's "Continue as …" button (default: a plain fetch, signed in at once). */
  asBrowser?: boolean;
  /** Receives each HTML page the IdP showed. */
  pages?: string[];
  /** Reuse a jar (and so the IdP's session) across sign-ins; default a fresh one. */
  jar?: CookieJar;
}

/**
 * Follows an authorization URL through the test IdP without a browser (fetch
 * with redirect: 'manual' and a cookie jar) until the IdP redirects to
 * `redirectUri`; returns that callback URL (with code or error, state, iss).
 */
export async function signInAtIdp(authorizationUrl: URL, redirectUri: string, options: IdpSignInOptions = {}): Promise<URL> {
  const jar = options.jar ?? new CookieJar();
  let url = authorizationUrl;
  let method = 'GET';
  for (let hop = 0; hop < 20; hop++) {
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: { cookie: jar.header(url), accept: options.asBrowser ? 'text/html,application/xhtml+xml' : '*/*', ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: method === 'POST' ? '' : undefined,
    });
    jar.store(url, res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, url);
      if (next.href.startsWith(redirectUri)) return next;
      url = next;
      method = 'GET';
      continue;
    }
    const body = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(body)?.[1];
    if (res.status === 200 && options.asBrowser && action) {
      options.pages?.push(body);
      url = new URL(action.replace(/&#(\d+);/g, (_m, c) => String.fromCharCode(Number(c))), url);
      method = 'POST';
      continue;
    }
    throw new Error(`the IdP sign-in stopped at ${res.status} ${url.pathname}: ${body.slice(0, 300)}`);
  }
  throw new Error('the IdP sign-in did not come back to the redirect URI');
}
