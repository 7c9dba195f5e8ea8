import { hashLeaf } from './merkle-hash.ts';
import { verifyConsistency, verifyInclusion } from './merkle-proof.ts';
import { openCheckpoint } from './checkpoint-note.ts';
import { KeyledgerError } from '../platform/errors.ts';

export interface ProofCheck {
  ok: true;
  kind: 'inclusion' | 'consistency';
  treeSize: number;
  origin: string;
  eventId?: string;
}

const b64 = (s: string) => Buffer.from(s, 'base64');

/**
 * Checks a proof document exactly as `audit proof` or the API produced it,
 * with no database and no network: the checkpoint's signature under the given
 * verifier key, then the event's leaf hash (recomputed from the canonical
 * event text) up the inclusion path to the signed root — or, for a
 * consistency proof, that the newer signed tree extends the older one.
 */
export function verifyProofDocument(doc: Record<string, unknown>, verifierKey: string): ProofCheck {
  if (typeof doc.canonicalEvent === 'string' && typeof doc.checkpoint === 'string') {
    const cp = openCheckpoint(doc.checkpoint, verifierKey);
    const leafIndex = Number(doc.leafIndex);
    const proof = (doc.proof as string[]).map(b64);
    verifyInclusion(hashLeaf(Buffer.from(doc.canonicalEvent, 'utf8')), leafIndex, cp.size, proof, cp.rootHash);
    const event = JSON.parse(doc.canonicalEvent) as { id?: string; seq?: number };
    if (event.seq !== leafIndex) throw new KeyledgerError('ledger.proof_invalid', `the event says it is at sequence ${event.seq}, the proof is for leaf ${leafIndex}`);
    return { ok: true, kind: 'inclusion', treeSize: cp.size, origin: cp.origin, eventId: event.id };
  }
  if (typeof doc.toCheckpoint === 'string' && typeof doc.fromRoot === 'string') {
    const to = openCheckpoint(doc.toCheckpoint, verifierKey);
    const fromSize = Number(doc.fromSize);
    let fromRoot: Buffer = b64(doc.fromRoot);
    if (typeof doc.fromCheckpoint === 'string') {
      const from = openCheckpoint(doc.fromCheckpoint, verifierKey);
      if (from.size !== fromSize || !from.rootHash.equals(fromRoot)) throw new KeyledgerError('ledger.proof_invalid', 'the older checkpoint does not match the proof’s fromSize/fromRoot');
      fromRoot = from.rootHash;
    }
    verifyConsistency(fromSize, to.size, (doc.proof as string[]).map(b64), fromRoot, to.rootHash);
    return { ok: true, kind: 'consistency', treeSize: to.size, origin: to.origin };
  }
  throw new KeyledgerError('request.invalid', 'not a Keyledger inclusion or consistency proof document');
}
