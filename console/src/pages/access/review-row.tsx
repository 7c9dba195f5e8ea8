import type { KeyboardEvent, RefObject } from 'react';
import { Badge } from '../../components/states.tsx';
import { formatTime } from '../../format.ts';
import { StatusBadge } from './shared.tsx';
import type { ReviewItem } from './review-types.ts';

export interface RowState {
  note: string;
  pending: 'keep' | 'revoke' | null;
  saving: boolean;
  error: string | null;
}

/** One review item as a table row: focusable when current (roving tabindex), mouse buttons for keep/revoke, a note field. */
export function ReviewRow(props: {
  item: ReviewItem;
  index: number;
  current: boolean;
  state: RowState;
  rowRef: (el: HTMLTableRowElement | null) => void;
  noteRef: RefObject<Map<string, HTMLInputElement>>;
  onFocusRow: () => void;
  onKeyDown: (e: KeyboardEvent) => void;
  onNote: (note: string) => void;
  onDecide: (decision: 'keep' | 'revoke') => void;
}) {
  const { item, current, state } = props;
  const who = item.principal.display ?? item.principal.id;
  const tab = current ? 0 : -1;
  return (
    <tr ref={props.rowRef} tabIndex={tab} className={current ? 'selected review-row' : 'review-row'} aria-current={current ? 'true' : undefined} onFocus={props.onFocusRow} onClick={props.onFocusRow} onKeyDown={props.onKeyDown} data-testid="review-row">
      <th scope="row">
        {who}
        {item.principal.type === 'service_account' ? <span className="muted small"> (service account)</span> : null}
      </th>
      <td data-label="Role">
        {item.roleKey} {item.privileged ? <Badge tone="warn">privileged</Badge> : null}
      </td>
      <td data-label="Campaign">
        {item.campaign?.name ?? '—'}
        <div className="muted small">due {formatTime(item.campaign?.dueAt)}</div>
      </td>
      <td data-label="Decision">
        {item.decision ? <StatusBadge status={item.decision} /> : state.pending ? <Badge tone="info">{state.pending}: add a note, Enter</Badge> : <Badge>undecided</Badge>}
        {state.saving ? <span className="muted small"> saving…</span> : null}
        {state.error ? (
          <div className="field-error" role="alert">
            {state.error}
          </div>
        ) : null}
      </td>
      <td data-label="Note">
        {item.decision ? (
          <span>{item.comment ?? <span className="muted">—</span>}</span>
        ) : (
        <input
          ref={(el) => {
            if (el) props.noteRef.current.set(item.id, el);
            else props.noteRef.current.delete(item.id);
          }}
          tabIndex={tab}
          className="review-note"
          aria-label={`Note on ${who} · ${item.roleKey}`}
          value={state.note}
          maxLength={2000}
          onChange={(e) => props.onNote(e.target.value)}
          placeholder="why (needed to revoke)"
        />
        )}
      </td>
      <td data-label="Actions" className="review-actions">
        <button type="button" tabIndex={tab} disabled={item.decision !== null || state.saving} onClick={() => props.onDecide('keep')} aria-label={`Keep ${who} · ${item.roleKey}`}>
          Keep
        </button>{' '}
        <button type="button" tabIndex={tab} className="danger" disabled={item.decision !== null || state.saving} onClick={() => props.onDecide('revoke')} aria-label={`Revoke ${who} · ${item.roleKey}`}>
          Revoke
        </button>
      </td>
    </tr>
  );
}
