import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { KeyledgerError } from '../platform/errors.ts';
import { checkWebhookUrl, errorSnippet, retryDelaySeconds, signatureHeader, subscribes, urlForRecord, webhookBody, RETRY_CAP_SECONDS } from './webhooks.ts';

const reasonOf = (value: string): string | undefined => {
  try {
    checkWebhookUrl(value);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(KeyledgerError);
    expect((err as KeyledgerError).code).toBe('notify.webhook_url_invalid');
    return ((err as KeyledgerError).details as { reason: string }).reason;
  }
};

describe('webhook URLs', () => {
  it('accept https anywhere and http on loopback only', () => {
    for (const ok of ['https://hooks.acme.test/keyledger', 'https://hooks.acme.test:8443/k?team=7', 'http://127.0.0.1:9999/hook', 'http://localhost/hook', 'http://[::1]:80/x']) expect(reasonOf(ok)).toBeUndefined();
  });
  it('refuse what is not a URL, plain http elsewhere, other schemes and credentials', () => {
    expect(reasonOf('not a url')).toBe('not_a_url');
    expect(reasonOf('/relative/path')).toBe('not_a_url');
    expect(reasonOf('http://hooks.acme.test/k')).toBe('not_https');
    expect(reasonOf('http://127.0.0.2/k')).toBe('not_https');
    expect(reasonOf('http://localhost.evil.test/k')).toBe('not_https');
    expect(reasonOf('ftp://hooks.acme.test/k')).toBe('not_https');
    expect(reasonOf('javascript:alert(1)')).toBe('not_https');
    expect(reasonOf('https://user:pass@hooks.acme.test/k')).toBe('credentials');
    expect(reasonOf('https://token@hooks.acme.test/k')).toBe('credentials');
  });
  it('are recorded without their query', () => {
    expect(urlForRecord('https://hooks.acme.test/k?token=abc#x')).toBe('https://hooks.acme.test/k');
  });
});

describe('subscriptions', () => {
  it('match prefixes ending in a dot, exact types and *', () => {
    expect(subscribes(['access.'], 'access.request.pending')).toBe(true);
    expect(subscribes(['access.request.'], 'access.review.due')).toBe(false);
    expect(subscribes(['access'], 'access.request.pending')).toBe(false);
    expect(subscribes(['access.request.pending'], 'access.request.pending')).toBe(true);
    expect(subscribes(['access.request.pending'], 'access.request.pending_x')).toBe(false);
    expect(subscribes(['*'], 'anything.at.all')).toBe(true);
    expect(subscribes([], 'access.request.pending')).toBe(false);
  });
});

describe('signing', () => {
  it('is HMAC-SHA256 over t, a dot and the exact body', () => {
    const body = webhookBody({ notificationId: 'n1', type: 'access.request.pending', orgId: 'o1', createdAt: '2026-12-01T00:00:00.000Z', data: '{"requestId":"r1"}' });
    expect(JSON.parse(body)).toEqual({ id: 'n1', type: 'access.request.pending', orgId: 'o1', createdAt: '2026-12-01T00:00:00.000Z', data: { requestId: 'r1' } });
    const expected = createHmac('sha256', 'kl_whsec_x').update(`1764547200.${body}`).digest('hex');
    expect(signatureHeader('kl_whsec_x', 1764547200, body)).toBe(`t=1764547200,v1=${expected}`);
    expect(signatureHeader('kl_whsec_y', 1764547200, body)).not.toBe(`t=1764547200,v1=${expected}`);
  });
});

describe('retry delays', () => {
  it('double per attempt within [d/2, d], up to the cap', () => {
    expect([1, 2, 3, 4].map((a) => retryDelaySeconds(a, () => 0))).toEqual([15, 30, 60, 120]);
    expect([1, 2, 3, 4].map((a) => retryDelaySeconds(a, () => 0.999999))).toEqual([30, 60, 120, 240]);
    expect(retryDelaySeconds(30, () => 0.999999)).toBe(RETRY_CAP_SECONDS);
    expect(retryDelaySeconds(30, () => 0)).toBe(RETRY_CAP_SECONDS / 2);
  });
});

describe('error snippets', () => {
  it('keep the status and at most 200 printable characters of the answer', () => {
    expect(errorSnippet(500, '')).toBe('HTTP 500');
    expect(errorSnippet(502, 'bad\r\n\tgateway')).toBe('HTTP 502: bad gateway');
    expect(errorSnippet(500, 'x'.repeat(5000))).toHaveLength('HTTP 500: '.length + 200);
  });
});
