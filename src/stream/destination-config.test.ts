import { describe, expect, it } from 'vitest';
import { KeyledgerError } from '../platform/errors.ts';
import { checkDestinationConfig, checkFilter, destinationReceives } from './destination-config.ts';
import { streamRetryDelayMs, STREAM_RETRY_CAP_MS } from './retry-delay.ts';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KeyledgerError);
    return { code: (err as KeyledgerError).code, details: (err as KeyledgerError).details };
  }
  throw new Error('expected a refusal');
};

describe('destinationReceives', () => {
  const none = { actionPrefixes: [], orgIds: [] };
  it('an organization destination receives its own organization only, never platform events', () => {
    const d = { orgId: 'o1', filter: none };
    expect(destinationReceives(d, { org: 'o1', action: 'identity.user.created' })).toBe(true);
    expect(destinationReceives(d, { org: 'o2', action: 'identity.user.created' })).toBe(false);
    expect(destinationReceives(d, { org: null, action: 'platform.api_key.created' })).toBe(false);
  });
  it('a deployment destination receives everything, or only filter.orgIds (then no platform events)', () => {
    expect(destinationReceives({ orgId: null, filter: none }, { org: null, action: 'platform.api_key.created' })).toBe(true);
    const narrowed = { orgId: null, filter: { actionPrefixes: [], orgIds: ['o2'] } };
    expect(destinationReceives(narrowed, { org: 'o2', action: 'x.y' })).toBe(true);
    expect(destinationReceives(narrowed, { org: 'o1', action: 'x.y' })).toBe(false);
    expect(destinationReceives(narrowed, { org: null, action: 'x.y' })).toBe(false);
  });
  it('action prefixes match the start of the action only', () => {
    const d = { orgId: null, filter: { actionPrefixes: ['authn.', 'access.assignment.'], orgIds: [] } };
    expect(destinationReceives(d, { org: 'o1', action: 'authn.login.succeeded' })).toBe(true);
    expect(destinationReceives(d, { org: 'o1', action: 'access.assignment.granted' })).toBe(true);
    expect(destinationReceives(d, { org: 'o1', action: 'access.role.created' })).toBe(false);
    expect(destinationReceives(d, { org: 'o1', action: 'sso.authn.x' })).toBe(false);
  });
});

describe('checkDestinationConfig', () => {
  it('keeps the Splunk token apart from the stored settings', () => {
    const { config, token } = checkDestinationConfig('splunk_hec', { url: 'https://splunk.test:8088', token: 'secret-token' });
    expect(token).toBe('secret-token');
    expect(JSON.stringify(config)).not.toContain('secret-token');
  });
  it('refuses fields of another kind, missing fields, non-https URLs and relative folders, naming the field', () => {
    expect(refusal(() => checkDestinationConfig('jsonl_file', { directory: '/tmp/x', url: 'https://a.test' }))).toEqual({ code: 'stream.destination_invalid', details: { field: 'config.url', reason: 'not_for_kind' } });
    expect(refusal(() => checkDestinationConfig('syslog_tls', { host: 'a.test' }))).toEqual({ code: 'stream.destination_invalid', details: { field: 'config.port', reason: 'missing' } });
    expect(refusal(() => checkDestinationConfig('webhook', { url: 'http://a.test/' }))).toEqual({ code: 'stream.destination_invalid', details: { field: 'config.url', reason: 'not_https' } });
    expect(refusal(() => checkDestinationConfig('jsonl_file', { directory: '../up' }))).toEqual({ code: 'stream.destination_invalid', details: { field: 'config.directory', reason: 'not_absolute' } });
    expect(checkDestinationConfig('webhook', { url: 'http://127.0.0.1:8080/in' }).config.url).toBe('http://127.0.0.1:8080/in');
  });
  it('refuses an organization filter on an organization destination', async () => {
    await expect(checkFilter({ orgIds: ['o2'] }, true, async (r) => r)).rejects.toMatchObject({ code: 'stream.destination_invalid', details: { field: 'filter.orgIds', reason: 'org_scoped' } });
    await expect(checkFilter({ orgIds: ['acme', 'acme'] }, false, async () => 'o1')).resolves.toEqual({ actionPrefixes: [], orgIds: ['o1'] });
  });
});

describe('streamRetryDelayMs', () => {
  it('doubles from 1 s with jitter in [d/2, d], capped, and never stops growing into the cap', () => {
    expect(streamRetryDelayMs(1, () => 0)).toBe(500);
    expect(streamRetryDelayMs(1, () => 0.999999)).toBe(1000);
    expect(streamRetryDelayMs(3, () => 0.999999)).toBe(4000);
    expect(streamRetryDelayMs(50, () => 0.999999)).toBe(STREAM_RETRY_CAP_MS);
    expect(streamRetryDelayMs(10_000, () => 0)).toBe(STREAM_RETRY_CAP_MS / 2);
  });
});
