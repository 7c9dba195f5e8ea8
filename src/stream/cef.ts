import type { FeedEvent } from './ledger-feed.ts';
import type { StreamCheckpoint, StreamRecord } from './types.ts';
import { checkpointUid, classifyEvent, messageOf, subjectUser } from './ocsf.ts';
import { PRODUCT_NAME, PRODUCT_VERSION, VENDOR_NAME } from './product.ts';
import { lookupAction } from '../audit/actions.ts';

/**
 * Ledger records as ArcSight CEF lines (see docs/siem-formats.md):
 * `CEF:0|Keyledger|Keyledger|<version>|<action>|<name>|<severity>|<extension>`.
 * The signature id is the ledger action; the extension carries who, whom,
 * from where, the outcome and reason, and the ledger position and leaf hash.
 */

/** Header fields: a backslash and a pipe are escaped; a line break cannot appear in a header, so it becomes a space. */
export function escapeCefHeader(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r\n|[\r\n]/g, ' ');
}

/** Extension values: a backslash and an equals sign are escaped, CR and LF become \r and \n. */
export function escapeCefValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/** OCSF severity (1 Informational … 5 Critical) on CEF's 0–10 scale (0–3 low, 4–6 medium, 7–8 high, 9–10 very high). */
const CEF_SEVERITY: Record<number, number> = { 0: 0, 1: 1, 2: 3, 3: 5, 4: 8, 5: 10, 6: 10 };

/** One stream record as a CEF line (no line break at the end). */
export function toCef(record: StreamRecord): string {
  return record.kind === 'event' ? cefEvent(record.feed) : cefCheckpoint(record.checkpoint);
}

function cefLine(signatureId: string, name: string, severity: number, extension: Array<[string, string | number | null | undefined]>): string {
  const header = ['CEF:0', VENDOR_NAME, PRODUCT_NAME, PRODUCT_VERSION, signatureId, name, String(severity)].map((f, i) => (i === 0 ? f : escapeCefHeader(f)));
  const ext = extension.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => `${k}=${escapeCefValue(String(v))}`);
  return `${header.join('|')}|${ext.join(' ')}`;
}

function cefEvent(feed: FeedEvent): string {
  const e = feed.event;
  const { severityId } = classifyEvent(e);
  const user = subjectUser(e);
  const target = e.targets[0];
  const name = lookupAction(e.action)?.description ?? e.action;
  return cefLine(e.action, name, CEF_SEVERITY[severityId], [
    ['rt', Date.parse(e.time)],
    ['act', e.action],
    ['outcome', e.outcome],
    ['suser', e.actor.display],
    ['suid', e.actor.id],
    ['cs6', e.actor.type],
    ['cs6Label', 'actorType'],
    ['duser', user?.name ?? target?.display],
    ['duid', user?.uid ?? target?.id],
    ['src', e.context.ip],
    ['requestClientApplication', e.context.userAgent],
    ['externalId', e.id],
    ['cn1', feed.seq],
    ['cn1Label', 'ledgerSeq'],
    ['cs1', e.org],
    ['cs1Label', 'org'],
    ['cs2', feed.leafHash],
    ['cs2Label', 'leafHash'],
    ['cs3', e.reason],
    ['cs3Label', e.reason ? 'reason' : undefined],
    ['cs4', e.context.requestId],
    ['cs4Label', 'requestId'],
    ['cs5', JSON.stringify({ targets: e.targets, data: e.data })],
    ['cs5Label', 'keyledger'],
    ['msg', messageOf(e)],
  ]);
}

/** A checkpoint: signature id `ledger.checkpoint`; cn1 the tree size, cs2 the root hash, cs3 the key id, msg the signed note. */
function cefCheckpoint(cp: StreamCheckpoint): string {
  return cefLine('ledger.checkpoint', 'Keyledger ledger checkpoint', 1, [
    ['rt', Date.parse(cp.createdAt)],
    ['act', 'ledger.checkpoint'],
    ['outcome', 'success'],
    ['externalId', checkpointUid(cp)],
    ['cn1', cp.size],
    ['cn1Label', 'treeSize'],
    ['cs2', cp.rootHash],
    ['cs2Label', 'rootHash'],
    ['cs3', cp.keyId],
    ['cs3Label', 'keyId'],
    ['msg', cp.note],
  ]);
}
