import type { ReactNode } from 'react';
import { ApiError } from '../api.ts';
import { stepUp } from '../auth.ts';

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      {label}…
    </p>
  );
}

/** What a list or page shows when there is nothing yet, with what to do about it. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" role="status">
      <p className="empty-title">{title}</p>
      {children ? <div className="muted">{children}</div> : null}
    </div>
  );
}

/**
 * Where a session step-up happens: /me endpoints check the Keyledger session,
 * the admin API the console token. When the endpoint asked for a
 * phishing-resistant level, only the passkey is offered.
 */
function stepUpSession(details: unknown): void {
  const level = (details as { level?: unknown } | undefined)?.level;
  const method = level === 'phishing_resistant' ? 'method=passkey&' : '';
  window.location.assign(`/account/reauth?${method}return_to=${encodeURIComponent(window.location.pathname + window.location.search)}`);
}

/** An API error as the user should read it: the message, the stable code, the request id to quote; a step-up offers the way through. */
export function ErrorNote({ error, title = 'That did not work' }: { error: unknown; title?: string }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  if (api?.needsStepUp) {
    const session = api.code === 'authn.step_up_required';
    return (
      <div className="notice warn" role="alert">
        <p>
          <strong>Confirm it is you.</strong> This change needs a fresh passkey check.
        </p>
        <button type="button" className="primary" onClick={() => (session ? stepUpSession(api.details) : void stepUp())}>
          Confirm with a passkey
        </button>
      </div>
    );
  }
  return (
    <div className="notice error" role="alert">
      <p>
        <strong>{title}.</strong> {error instanceof Error ? error.message : String(error)}
      </p>
      {api ? (
        <p className="muted small">
          Code <code>{api.code}</code>
          {api.requestId ? (
            <>
              {' '}
              · request <code>{api.requestId}</code>
            </>
          ) : null}
        </p>
      ) : null}
    </div>
  );
}

export type Tone = 'good' | 'warn' | 'bad' | 'info' | 'neutral';

/** A status word with colour AND text (colour is never the only signal). */
export function Badge({ tone = 'neutral', children }: { tone?: Tone; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}
