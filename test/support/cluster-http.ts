/**
 * Talking to the nodes of a test cluster over real HTTP, as a load balancer's
 * clients would: the admin API with a bearer key, and the hosted sign-in page
 * with its CSRF cookie and form token.
 */
import type { ClusterNode } from './cluster.ts';

export interface HttpResult<T = any> {
  status: number;
  body: T;
}

/** One admin API call; `requestId` is sent as X-Request-Id (the ledger records it). Connection failures reject. */
export async function adminCall<T = any>(node: ClusterNode, key: string, method: string, path: string, body?: unknown, requestId?: string): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (requestId) headers['x-request-id'] = requestId;
  const res = await fetch(`${node.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed as T };
}

/** Like adminCall, but fails with the response when the status is not the one expected. */
export async function adminOk<T = any>(node: ClusterNode, key: string, method: string, path: string, body: unknown, expected: number): Promise<T> {
  const r = await adminCall<T>(node, key, method, path, body);
  if (r.status !== expected) throw new Error(`${method} ${path} on node ${node.index}: expected ${expected}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** name=value pairs of a response's Set-Cookie headers (a deletion gives an empty value). */
function setCookies(res: Response): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    out.set(pair.slice(0, eq).trim(), /Max-Age=0/i.test(line) ? '' : pair.slice(eq + 1).trim());
  }
  return out;
}

const cookieHeader = (jar: Map<string, string>) => [...jar].filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v}`).join('; ');

export interface SignInResult {
  /** 303 on success (a redirect with the session cookie), 401 refused, 429 throttled. */
  status: number;
  /** The Cookie header a browser would send afterwards (CSRF and session cookies). */
  cookie: string;
  signedIn: boolean;
}

/**
 * A password sign-in through the hosted page: GET /login on `formNode` for the
 * CSRF cookie and token, POST /login on `postNode` (the load balancer may send
 * the two requests to different nodes; the token is derived from the shared
 * master key).
 */
export async function passwordSignIn(formNode: ClusterNode, postNode: ClusterNode, email: string, password: string, sessionCookie: string): Promise<SignInResult> {
  const page = await fetch(`${formNode.url}/login`, { redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  const jar = setCookies(page);
  const token = (await page.text()).match(/name="_csrf" value="([^"]+)"/)?.[1];
  if (!token) throw new Error(`no CSRF token on the sign-in page of node ${formNode.index} (status ${page.status})`);
  const form = new URLSearchParams({ _csrf: token, email, password, org: '', return_to: '/' });
  const res = await fetch(`${postNode.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar), 'user-agent': 'cluster-test/1' },
    body: form.toString(),
    signal: AbortSignal.timeout(30_000),
  });
  await res.arrayBuffer();
  for (const [k, v] of setCookies(res)) jar.set(k, v);
  return { status: res.status, cookie: cookieHeader(jar), signedIn: res.status === 303 && Boolean(jar.get(sessionCookie)) };
}

/** GET of a self-service API path with a browser's cookies; the status says whether the session is still honoured. */
export async function sessionGet(node: ClusterNode, path: string, cookie: string): Promise<HttpResult> {
  const res = await fetch(`${node.url}${path}`, { headers: { cookie, accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A JSON change through the self-service API (same-site, as the hosted pages send it). */
export async function sessionPost(node: ClusterNode, path: string, cookie: string, body: unknown): Promise<HttpResult> {
  const res = await fetch(`${node.url}${path}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', accept: 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Polls `check` until it returns a value other than undefined, or fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
