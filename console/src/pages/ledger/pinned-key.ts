import { useCallback, useEffect, useState } from 'react';
import { parseVerifierKey } from '../../ledger/checkpoint-note.ts';

/** The verifier key the operator pinned in this browser. Never filled in from the server by itself. */
const PINNED_KEY = 'keyledger.console.ledgerKey';

export interface PinnedKey {
  verifierKey: string;
  keyName: string;
  keyId: string;
}

/** The pinned verifier key (null: none yet), pinning a new one (parsed and key ID checked first), and unpinning. */
export function usePinnedKey(): { pinned: PinnedKey | null; pin: (verifierKey: string) => Promise<PinnedKey>; unpin: () => void } {
  const [text, setText] = useState<string | null>(() => localStorage.getItem(PINNED_KEY));
  const [pinned, setPinned] = useState<PinnedKey | null>(null);
  useEffect(() => {
    let live = true;
    if (text === null) {
      setPinned(null);
      return;
    }
    parseVerifierKey(text).then(
      (k) => live && setPinned({ verifierKey: text, keyName: k.keyName, keyId: k.keyId }),
      () => live && setPinned(null),
    );
    return () => {
      live = false;
    };
  }, [text]);
  // Other tabs pinning a key.
  useEffect(() => {
    const on = (e: StorageEvent) => e.key === PINNED_KEY && setText(e.newValue);
    window.addEventListener('storage', on);
    return () => window.removeEventListener('storage', on);
  }, []);
  const pin = useCallback(async (verifierKey: string) => {
    const trimmed = verifierKey.trim();
    const k = await parseVerifierKey(trimmed);
    localStorage.setItem(PINNED_KEY, trimmed);
    setText(trimmed);
    const result = { verifierKey: trimmed, keyName: k.keyName, keyId: k.keyId };
    setPinned(result);
    return result;
  }, []);
  const unpin = useCallback(() => {
    localStorage.removeItem(PINNED_KEY);
    setText(null);
  }, []);
  return { pinned, pin, unpin };
}
