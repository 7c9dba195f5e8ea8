import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { apiSend, ApiError } from '../../api.ts';
import { useApi, useAction } from '../../hooks.ts';
import { Link } from '../../router.tsx';
import { Page, Panel } from '../../components/page.tsx';
import { EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { reviewKeyAction, SHORTCUTS } from './review-keys.ts';
import { ReviewRow, type RowState } from './review-row.tsx';
import type { Campaign, ReviewItem } from './review-types.ts';

const EMPTY: RowState = { note: '', pending: null, saving: false, error: null };

/** Sign-off of one campaign by the signed-in reviewer (then, for its owner, the closing sign-off). */
function SignOff({ campaign, items }: { campaign: NonNullable<ReviewItem['campaign']>; items: ReviewItem[] }) {
  const [result, setResult] = useState<{ signedOffAs: 'reviewer' | 'owner'; campaign: Campaign } | null>(null);
  const { error, run } = useAction();
  const decided = items.filter((i) => i.decision).length;
  async function signOff() {
    await run(async () => {
      setResult(await apiSend('POST', `/api/v1/me/access-reviews/${campaign.id}/sign-off`, {}));
    });
  }
  const closed = result?.campaign.status === 'closed';
  return (
    <li>
      <strong>{campaign.name}</strong>: {decided} of {items.length} decided{' '}
      {closed ? (
        <span role="status">
          — closed by your sign-off as owner; {result!.campaign.counts.revoked} revoke(s) applied.
        </span>
      ) : (
        <button type="button" disabled={decided < items.length} onClick={() => void signOff()}>
          {result?.signedOffAs === 'reviewer' ? `Sign off ${campaign.name} as owner (closes it)` : `Sign off ${campaign.name}`}
        </button>
      )}
      {result?.signedOffAs === 'reviewer' ? <span className="muted"> Signed off as reviewer.</span> : null}
      <ErrorNote error={error} title="Not signed off" />
    </li>
  );
}

/** The reviewer's decision view: a table the keyboard drives, each decision saved as it is made. */
export function ReviewDecisionsPage() {
  const loaded = useApi<{ items: ReviewItem[] }>('/api/v1/me/access-reviews');
  const [items, setItems] = useState<ReviewItem[]>([]);
  const [rows, setRows] = useState<Record<string, RowState>>({});
  const [current, setCurrent] = useState(0);
  const [announce, setAnnounce] = useState('');
  const rowRefs = useRef<Array<HTMLTableRowElement | null>>([]);
  const noteRefs = useRef(new Map<string, HTMLInputElement>());
  const moved = useRef(false);

  // The list is taken once: decided items stay on screen (the server drops them from "undecided").
  useEffect(() => {
    if (loaded.data) setItems(loaded.data.items);
  }, [loaded.data]);
  useEffect(() => {
    if (moved.current) rowRefs.current[current]?.focus();
    moved.current = false;
  }, [current]);

  const decidedCount = items.filter((i) => i.decision).length;
  const rowOf = (id: string) => rows[id] ?? EMPTY;
  const patch = (id: string, p: Partial<RowState>) => setRows((r) => ({ ...r, [id]: { ...(r[id] ?? EMPTY), ...p } }));
  const label = (i: ReviewItem) => `${i.principal.display ?? i.principal.id} · ${i.roleKey}`;

  function go(index: number) {
    const next = Math.max(0, Math.min(items.length - 1, index));
    moved.current = true;
    if (next === current) rowRefs.current[next]?.focus();
    else setCurrent(next);
  }

  function noteFocus(index: number) {
    const item = items[index];
    if (item && !item.decision) noteRefs.current.get(item.id)?.focus();
  }

  async function decide(index: number, decision: 'keep' | 'revoke') {
    const item = items[index];
    if (!item || item.decision) return;
    const state = rowOf(item.id);
    const note = state.note.trim();
    if (decision === 'revoke' && !note) {
      patch(item.id, { pending: 'revoke', error: null });
      setAnnounce(`Revoke ${label(item)}: a revoke needs a note. Type why, then press Enter.`);
      noteFocus(index);
      return;
    }
    patch(item.id, { saving: true, error: null });
    try {
      const res = await apiSend<{ items: ReviewItem[] }>('POST', '/api/v1/me/access-reviews/decisions', { decisions: [{ itemId: item.id, decision, comment: note || null }] });
      const saved = res.items[0];
      const nextItems = items.map((i) => (i.id === item.id ? { ...i, ...saved, campaign: i.campaign } : i));
      setItems(nextItems);
      patch(item.id, { saving: false, pending: null });
      const done = nextItems.filter((i) => i.decision).length;
      setAnnounce(`${decision === 'keep' ? 'Kept' : 'Revoked'} ${label(item)}. ${done} of ${nextItems.length} decided.`);
      // On to the next undecided item (after this one, then from the top).
      const after = nextItems.findIndex((i, k) => k > index && !i.decision);
      const first = nextItems.findIndex((i) => !i.decision);
      go(after >= 0 ? after : first >= 0 ? first : index);
    } catch (e) {
      const message = e instanceof ApiError ? `${e.message} (${e.code})` : String(e);
      patch(item.id, { saving: false, error: message });
      setAnnounce(`Not saved: ${message}`);
    }
  }

  function onKeyDown(index: number, e: KeyboardEvent) {
    const tag = (e.target as HTMLElement).tagName;
    if (tag === 'BUTTON' && (e.key === 'Enter' || e.key === ' ')) return; // the button's own click
    const inNote = tag === 'INPUT';
    const action = reviewKeyAction(e, inNote);
    if (!action) return;
    e.preventDefault();
    const item = items[index];
    switch (action) {
      case 'next':
        return go(index + 1);
      case 'previous':
        return go(index - 1);
      case 'first':
        return go(0);
      case 'last':
        return go(items.length - 1);
      case 'keep':
        return void decide(index, 'keep');
      case 'revoke':
        return void decide(index, 'revoke');
      case 'note':
        return noteFocus(index);
      case 'leave-note':
        return go(index);
      case 'submit': {
        const pending = item ? rowOf(item.id).pending : null;
        if (pending) return void decide(index, pending);
        if (inNote) {
          setAnnounce(`Note kept for ${item ? label(item) : 'this item'}. Press a to keep or r to revoke.`);
          return go(index);
        }
        return;
      }
    }
  }

  const campaigns = new Map<string, { campaign: NonNullable<ReviewItem['campaign']>; items: ReviewItem[] }>();
  for (const i of items) if (i.campaign) campaigns.set(i.campaign.id, { campaign: i.campaign, items: [...(campaigns.get(i.campaign.id)?.items ?? []), i] });

  return (
    <Page title="My access reviews" subtitle="Decide, for each person and role, whether the access stays. Each decision is saved and recorded as you make it.">
      <div className="visually-hidden" role="status" aria-live="polite" data-testid="review-announcer">
        {announce}
      </div>
      {loaded.error ? <ErrorNote error={loaded.error} title="Could not load your review items" /> : null}
      {loaded.loading && !loaded.data ? <Loading /> : null}
      {loaded.data && items.length === 0 ? (
        <EmptyState title="Nothing to review">Items of open campaigns given to you appear here. Administrators start campaigns under <Link to="/access/reviews">Access reviews</Link>.</EmptyState>
      ) : null}
      {items.length > 0 ? (
        <>
          <Panel title="Progress">
            <p className="review-progress">
              <progress className="progress" max={items.length} value={decidedCount} aria-label="Items decided" /> <strong data-testid="review-progress">{decidedCount} of {items.length} decided</strong>
            </p>
            <ul className="steps">
              {[...campaigns.values()].map((c) => (
                <SignOff key={c.campaign.id} campaign={c.campaign} items={c.items} />
              ))}
            </ul>
          </Panel>
          <Panel title="Items to review">
            <div id="review-legend" className="shortcut-legend">
              <p className="small muted">Keyboard: Tab to the table, then</p>
              <ul>
                {SHORTCUTS.map(([keys, what]) => (
                  <li key={what}>
                    {keys.map((k, n) => (
                      <span key={k}>
                        {n > 0 ? ' or ' : ''}
                        <kbd>{k}</kbd>
                      </span>
                    ))}{' '}
                    {what}
                  </li>
                ))}
              </ul>
            </div>
            <div className="table-wrap">
              <table className="review-table stack" aria-describedby="review-legend">
                <caption className="visually-hidden">Review items: {decidedCount} of {items.length} decided</caption>
                <thead>
                  <tr>
                    <th scope="col">Who</th>
                    <th scope="col">Role</th>
                    <th scope="col">Campaign</th>
                    <th scope="col">Decision</th>
                    <th scope="col">Note</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((item, index) => (
                    <ReviewRow
                      key={item.id}
                      item={item}
                      index={index}
                      current={index === current}
                      state={rowOf(item.id)}
                      rowRef={(el) => {
                        rowRefs.current[index] = el;
                      }}
                      noteRef={noteRefs}
                      onFocusRow={() => index !== current && setCurrent(index)}
                      onKeyDown={(e) => onKeyDown(index, e)}
                      onNote={(note) => patch(item.id, { note })}
                      onDecide={(d) => void decide(index, d)}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          </Panel>
        </>
      ) : null}
    </Page>
  );
}
