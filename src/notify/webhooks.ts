import { KeyledgerError } from '../platform/errors.ts';
import { isLoopbackUrl } from '../sso/urls.ts';
import { signHrEvent } from '../lifecycle/hr-signature.ts';

/** How many attempts a delivery gets before it is marked `failed` (kept for inspection). */
export const MAX_ATTEMPTS = 10;
/** The first retry waits up to this long; each next one twice as long, up to `RETRY_CAP_SECONDS`. */
export const RETRY_BASE_SECONDS = 30;
export const RETRY_CAP_SECONDS = 6 * 3600;
/** How long a webhook receiver has to answer. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * Checks a webhook URL before it is stored: a URL, https (plain http only to
 * 127.0.0.1, ::1 or localhost, for development), with no user name or password
 * in it (credentials in a URL end up in logs; the signature authenticates us).
 * Throws `notify.webhook_url_invalid` with details.reason.
 */
export function checkWebhookUrl(value: string): URL {
  if (typeof value !== 'string' || !URL.canParse(value)) throw new KeyledgerError('notify.webhook_url_invalid', `"${String(value).slice(0, 100)}" is not a URL`, { reason: 'not_a_url' });
  const url = new URL(value);
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url)))) {
    throw new KeyledgerError('notify.webhook_url_invalid', `a webhook URL must be https (http only for 127.0.0.1, ::1 or localhost), got "${url.protocol}//${url.host}"`, { reason: 'not_https' });
  }
  if (url.username !== '' || url.password !== '') throw new KeyledgerError('notify.webhook_url_invalid', 'a webhook URL must not carry a user name or password; the Keyledger-Signature header authenticates deliveries', { reason: 'credentials' });
  return url;
}

/** The URL as the ledger records it: scheme, host and path, without the query (which may carry a receiver's token). */
export function urlForRecord(value: string): string {
  const url = new URL(value);
  return `${url.origin}${url.pathname}`;
}

/**
 * Whether a webhook subscribed to `events` receives a notification of `type`:
 * an entry ending in "." is a prefix (`access.` receives `access.request.pending`),
 * "*" receives everything, any other entry must equal the type.
 */
export function subscribes(events: readonly string[], type: string): boolean {
  return events.some((e) => e === '*' || e === type || (e.endsWith('.') && type.startsWith(e)));
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`: the scheme HR sources sign with, so receivers verify both alike. */
export function signatureHeader(secret: string, unixSeconds: number, body: string): string {
  return `t=${unixSeconds},v1=${signHrEvent(secret, unixSeconds, body)}`;
}

/** The JSON body a webhook receives (the same bytes on every attempt; `id` is the notification's, for de-duplication). */
export function webhookBody(n: { notificationId: string; type: string; orgId: string; createdAt: string; data: string }): string {
  return JSON.stringify({ id: n.notificationId, type: n.type, orgId: n.orgId, createdAt: n.createdAt, data: JSON.parse(n.data) as unknown });
}

/**
 * Seconds to wait after failed attempt number `attempt` (1-based): exponential,
 * capped, with jitter so that receivers recovering from an outage are not hit
 * by every retry at once. Requires attempt ≥ 1 and 0 ≤ random() < 1; returns
 * a value in [d/2, d] for d = min(cap, base·2^(attempt−1)).
 */
export function retryDelaySeconds(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** (attempt - 1));
  return Math.ceil(ceiling / 2 + (ceiling / 2) * random());
}

/** A short, printable error string from a failed answer: status and the start of the body, never more. */
export function errorSnippet(status: number, body: string): string {
  const text = body.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 200);
  return text ? `HTTP ${status}: ${text}` : `HTTP ${status}`;
}
