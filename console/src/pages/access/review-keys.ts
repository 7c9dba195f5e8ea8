/** What a key press on the review table means; null: not a shortcut (let the browser have it). */
export type ReviewKeyAction = 'next' | 'previous' | 'first' | 'last' | 'keep' | 'revoke' | 'note' | 'submit' | 'leave-note';

export function reviewKeyAction(e: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean }, inNote: boolean): ReviewKeyAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (inNote) {
    if (e.key === 'Enter') return 'submit';
    if (e.key === 'Escape') return 'leave-note';
    return null; // typing a note: every other key is text
  }
  switch (e.key) {
    case 'j':
    case 'ArrowDown':
      return 'next';
    case 'k':
    case 'ArrowUp':
      return 'previous';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    case 'a':
      return 'keep';
    case 'r':
      return 'revoke';
    case 'n':
      return 'note';
    case 'Enter':
      return 'submit';
    default:
      return null;
  }
}

/** The legend shown above the table (and read by screen readers with it). */
export const SHORTCUTS: Array<[string[], string]> = [
  [['j', '↓'], 'next item'],
  [['k', '↑'], 'previous item'],
  [['a'], 'keep (approve) the access'],
  [['r'], 'revoke (asks for a note)'],
  [['n'], 'write a note'],
  [['Enter'], 'save the chosen decision'],
  [['Esc'], 'leave the note'],
];
