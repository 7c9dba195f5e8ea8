import { KeyledgerError } from '../platform/errors.ts';

/**
 * The signed checkpoint note in a file kept outside the database, for
 * `audit verify --expect-checkpoint`: the note itself (as `audit checkpoint`
 * prints it), or JSON carrying it in `note` (`audit checkpoint --json`, a SIEM
 * destination's stored checkpoint) or in `unmapped.keyledger.note` (an OCSF
 * checkpoint record). Throws `ledger.checkpoint_invalid` when there is none.
 * Whether the note verifies is for the verifier to say.
 */
export function checkpointNoteFromFile(text: string): string {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch (err) {
      throw new KeyledgerError('ledger.checkpoint_invalid', `the expected checkpoint file is not valid JSON: ${(err as Error).message}`);
    }
    const record = doc as { note?: unknown; unmapped?: { keyledger?: { note?: unknown } } };
    const note = typeof record.note === 'string' ? record.note : record.unmapped?.keyledger?.note;
    if (typeof note !== 'string') throw new KeyledgerError('ledger.checkpoint_invalid', 'the expected checkpoint file is JSON without a "note" (or "unmapped.keyledger.note") string');
    return note;
  }
  const note = trimmed.replace(/\r\n/g, '\n');
  if (!note.includes('\n\n— ')) throw new KeyledgerError('ledger.checkpoint_invalid', 'the expected checkpoint file holds no signed note (a body, a blank line, and "— " signature lines)');
  // Files lose or gain trailing newlines; a signed note ends with exactly one.
  return `${note}\n`;
}
