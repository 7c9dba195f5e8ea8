/**
 * Checks in the browser, with Web Crypto only, that a ledger event is in the
 * tree a pinned key signed, so the console showing it need not be trusted:
 *
 *   1. leaf_index      the event's seq is the proof's leaf index (an event sits at its seq)
 *   2. leaf_hash       SHA-256(0x00 ‖ RFC 8785 JSON of the event's fields), recomputed here
 *                      (and equal to the server's leafHash claim, when given)
 *   3. inclusion_proof the proof has the RFC 6962 shape and recomputes a root from that leaf
 *                      hash (equal to the server's rootHash claim, when given)
 *   4. tree_size       the proof is for the checkpoint's tree size
 *   5. checkpoint_root the recomputed root is the checkpoint's root
 *   6. key_id          the note carries a signature line by the pinned key's name AND key ID
 *   7. signature       that Ed25519 signature verifies over the checkpoint under the pinned key
 *
 * Every step is run on whatever the earlier ones produced; a step that could
 * not run fails and says why. Only steps 2, 3, 5, 6 and 7 carry the trust:
 * the server's leafHash/rootHash claims only help name the failing step.
 */
import { equalBytes, fromBase64, LedgerVerifyError, toBase64, utf8Bytes } from './bytes.ts';
import { canonicalize } from './canonical-json.ts';
import { hashLeaf, rootFromInclusionProof } from './merkle-proof.ts';
import {
  findSignatureBy,
  parseCheckpointBody,
  parseSignedNote,
  parseVerifierKey,
  verifyNoteSignature,
  type CheckpointBody,
  type SignedNote,
} from './checkpoint-note.ts';

export type VerificationStepName = 'leaf_index' | 'leaf_hash' | 'inclusion_proof' | 'tree_size' | 'checkpoint_root' | 'key_id' | 'signature';

export interface VerificationStep {
  step: VerificationStepName;
  ok: boolean;
  /** What was checked and found, or why the step failed (values in base64 / hex). */
  detail: string;
}

/** The parts of GET /api/v1/audit/events/{id}/proof the verifier reads. */
export interface InclusionProofInput {
  leafIndex: number;
  treeSize: number;
  /** base64 sibling hashes, leaf to root */
  proof: string[];
  /** the server's claims (base64); compared when present, never trusted */
  leafHash?: string;
  rootHash?: string;
}

export interface VerifyEventInclusionInput {
  /** The event exactly as GET /api/v1/audit/events/{id} returns it (parsed JSON). */
  event: unknown;
  proof: InclusionProofInput;
  /** The `note` of GET /api/v1/audit/checkpoints/{proof.treeSize}. */
  checkpointNote: string;
  /** The verifier key the operator pinned: `<name>+<hex key ID>+<base64(0x01 ‖ key)>`. */
  verifierKey: string;
}

export interface InclusionVerification {
  ok: boolean;
  /** The first step that failed, or null. */
  failedStep: VerificationStepName | null;
  steps: VerificationStep[];
  /** The leaf hash recomputed from the event (base64), when it could be. */
  leafHash: string | null;
  /** What the checkpoint body says (its root in base64), when it parses. */
  checkpoint: { origin: string; size: number; rootHash: string } | null;
  /** The pinned key's name and ID, for the operator to compare with the published one. */
  pinnedKey: { keyName: string; keyId: string } | null;
  /** `<name>+<key ID>` of every signature line in the note. */
  noteSigners: string[];
}

const isIndex = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const field = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined);

/** Runs a check; an exception becomes a failed step carrying its message, so bad data never throws. */
async function attempt<T>(steps: VerificationStep[], step: VerificationStepName, check: () => Promise<{ ok: boolean; detail: string; value?: T }>): Promise<T | null> {
  try {
    const { ok, detail, value } = await check();
    steps.push({ step, ok, detail });
    return value ?? null;
  } catch (err) {
    steps.push({ step, ok: false, detail: messageOf(err) });
    return null;
  }
}

/** Why a later step cannot run. */
const notChecked = (what: string) => ({ ok: false, detail: `not checked: ${what}` });

/**
 * Verifies that `event` is included in the tree whose checkpoint `checkpointNote`
 * the pinned `verifierKey` signed, through `proof`. Never throws: malformed
 * input is reported as the failing step.
 */
export async function verifyEventInclusion(input: VerifyEventInclusionInput): Promise<InclusionVerification> {
  const steps: VerificationStep[] = [];
  const event = field(input, 'event');
  const proof = field(input, 'proof');
  const leafIndex = field(proof, 'leafIndex');
  const treeSize = field(proof, 'treeSize');

  await attempt(steps, 'leaf_index', async () => {
    const seq = field(event, 'seq');
    if (!isIndex(seq)) return { ok: false, detail: `the event's seq ${JSON.stringify(seq)} is not a sequence number` };
    if (!isIndex(leafIndex)) return { ok: false, detail: `the proof's leafIndex ${JSON.stringify(leafIndex)} is not a leaf index` };
    if (seq !== leafIndex) return { ok: false, detail: `the event is at seq ${seq}, the proof is for leaf ${leafIndex}` };
    return { ok: true, detail: `the event's seq and the proof's leaf index are both ${seq}` };
  });

  const leafHash = await attempt(steps, 'leaf_hash', async () => {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return { ok: false, detail: 'the event is not a JSON object' };
    const value = await hashLeaf(utf8Bytes(canonicalize(event)));
    const claim = field(proof, 'leafHash');
    if (claim === undefined) return { ok: true, detail: `recomputed leaf hash ${toBase64(value)}`, value };
    const claimed = fromBase64(claim);
    if (claimed === null || !equalBytes(claimed, value)) {
      return { ok: false, detail: `the leaf hash recomputed from the event is ${toBase64(value)}, the proof is for leaf hash ${String(claim)}`, value };
    }
    return { ok: true, detail: `recomputed leaf hash ${toBase64(value)}, as in the proof`, value };
  });

  const root = await attempt(steps, 'inclusion_proof', async () => {
    if (leafHash === null) return notChecked('no leaf hash');
    const path = field(proof, 'proof');
    if (!Array.isArray(path)) return { ok: false, detail: 'the proof carries no list of hashes' };
    const hashes = path.map((h: unknown, i) => fromBase64(h) ?? refuse(`proof[${i}] is not base64 of a hash`));
    const value = await rootFromInclusionProof(leafHash, leafIndex as number, treeSize as number, hashes);
    const claim = field(proof, 'rootHash');
    if (claim === undefined) return { ok: true, detail: `the proof's ${hashes.length} hashes recompute root ${toBase64(value)}`, value };
    const claimed = fromBase64(claim);
    if (claimed === null || !equalBytes(claimed, value)) {
      return { ok: false, detail: `the proof recomputes root ${toBase64(value)}, but claims root ${String(claim)}`, value };
    }
    return { ok: true, detail: `the proof's ${hashes.length} hashes recompute its root ${toBase64(value)}`, value };
  });

  let note: SignedNote | null = null;
  let noteProblem = '';
  let body: CheckpointBody | null = null;
  try {
    note = parseSignedNote(input.checkpointNote);
    body = parseCheckpointBody(note.text);
  } catch (err) {
    noteProblem = messageOf(err);
  }

  await attempt(steps, 'tree_size', async () => {
    if (body === null) return notChecked(noteProblem);
    if (treeSize !== body.size) return { ok: false, detail: `the proof is for tree size ${JSON.stringify(treeSize)}, the checkpoint is of size ${body.size}` };
    return { ok: true, detail: `the proof and the checkpoint are both of tree size ${body.size}` };
  });

  await attempt(steps, 'checkpoint_root', async () => {
    if (body === null) return notChecked(noteProblem);
    if (root === null) return notChecked('the proof recomputed no root');
    if (!equalBytes(root, body.rootHash)) return { ok: false, detail: `the proof recomputes root ${toBase64(root)}, the checkpoint's root is ${toBase64(body.rootHash)}` };
    return { ok: true, detail: `the recomputed root is the checkpoint's root ${toBase64(body.rootHash)}` };
  });

  let keyProblem = '';
  const key = await parseVerifierKey(input.verifierKey).catch((err: unknown) => {
    keyProblem = messageOf(err);
    return null;
  });
  const signers = note?.signatures.map((s) => `${s.keyName}+${s.keyId}`) ?? [];

  const signature = await attempt(steps, 'key_id', async () => {
    if (key === null) return { ok: false, detail: `the pinned verifier key is unusable: ${keyProblem}` };
    if (note === null) return notChecked(noteProblem);
    const value = findSignatureBy(note, key);
    if (value === null) {
      const sameName = note.signatures.filter((s) => s.keyName === key.keyName).map((s) => s.keyId);
      const found = sameName.length > 0 ? `key ID ${sameName.join(', ')} under that name` : `signatures by ${signers.join(', ')}`;
      return { ok: false, detail: `the note has no signature by the pinned key ${key.keyName}+${key.keyId}; it has ${found}` };
    }
    return { ok: true, detail: `the note is signed under the pinned key name ${key.keyName} and key ID ${key.keyId}`, value };
  });

  await attempt(steps, 'signature', async () => {
    if (key === null || note === null || signature === null) return notChecked('no signature by the pinned key to verify');
    const valid = await verifyNoteSignature(note.text, signature, key);
    return valid
      ? { ok: true, detail: `the Ed25519 signature by ${key.keyName}+${key.keyId} verifies over the checkpoint` }
      : { ok: false, detail: `the Ed25519 signature by ${key.keyName}+${key.keyId} does not verify over the checkpoint` };
  });

  const failed = steps.find((s) => !s.ok);
  return {
    ok: failed === undefined,
    failedStep: failed?.step ?? null,
    steps,
    leafHash: leafHash === null ? null : toBase64(leafHash),
    checkpoint: body === null ? null : { origin: body.origin, size: body.size, rootHash: toBase64(body.rootHash) },
    pinnedKey: key === null ? null : { keyName: key.keyName, keyId: key.keyId },
    noteSigners: signers,
  };
}

function refuse(message: string): never {
  throw new LedgerVerifyError('malformed_proof', message);
}
