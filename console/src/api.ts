import { accessToken, signIn } from './auth.ts';

/** An error answer of the Keyledger API: `{ error: { code, message, requestId, details } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null = null,
    readonly details: unknown = undefined,
  ) {
    super(message);
  }

  /** A change refused until the user proves a passkey again (admin API: the console token; /me: the session). */
  get needsStepUp(): boolean {
    return this.code === 'auth.step_up_required' || this.code === 'authn.step_up_required';
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

/** Self-service endpoints act as the signed-in user through the Keyledger session cookie; the rest take the console's bearer token. */
function isSelfService(path: string): boolean {
  return path.startsWith('/api/v1/me/') || path === '/api/v1/me';
}

async function send(method: string, path: string, body: unknown, accept: string): Promise<Response> {
  const headers: Record<string, string> = { accept };
  if (!isSelfService(path)) {
    const token = accessToken();
    if (!token) await signIn();
    headers.authorization = `Bearer ${token}`;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
}

async function failure(res: Response): Promise<ApiError> {
  let parsed: { error?: { code?: string; message?: string; requestId?: string; details?: unknown } } = {};
  try {
    parsed = (await res.json()) as typeof parsed;
  } catch {
    // not JSON: keep the status line
  }
  const e = parsed.error ?? {};
  return new ApiError(res.status, e.code ?? `http_${res.status}`, e.message ?? res.statusText, e.requestId ?? null, e.details);
}

async function call(method: string, path: string, body: unknown, accept: string): Promise<Response> {
  const res = await send(method, path, body, accept);
  if (res.ok) return res;
  const err = await failure(res);
  // A console token that expired, or a session that ended: sign in again and come back to this page.
  if (err.code === 'auth.unauthenticated') await signIn();
  throw err;
}

export async function apiGet<T>(path: string, query?: Query): Promise<T> {
  return (await (await call('GET', withQuery(path, query), undefined, 'application/json')).json()) as T;
}

export async function apiSend<T>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const res = await call(method, path, body ?? (method === 'DELETE' ? undefined : {}), 'application/json');
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A file from the API (an evidence package), as a Blob with its suggested name. */
export async function apiDownload(path: string): Promise<{ blob: Blob; filename: string | null }> {
  const res = await call('GET', path, undefined, '*/*');
  const disposition = res.headers.get('content-disposition') ?? '';
  const match = /filename="?([^";]+)"?/i.exec(disposition);
  return { blob: await res.blob(), filename: match ? match[1] : null };
}

/** A page of a cursor-paged list endpoint. */
export interface Paged<T> {
  items: T[];
  nextCursor: string | null;
}
