import { useId, useState, type ReactElement, type ReactNode } from 'react';
import { cloneElement } from 'react';

/** A labelled form control: the label is tied to the control, the hint and error are announced with it. */
export function Field({ label, hint, error, children }: { label: string; hint?: ReactNode; error?: string | null; children: ReactElement<Record<string, unknown>> }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const control = cloneElement(children, { id, 'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') || undefined, 'aria-invalid': error ? true : undefined });
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {control}
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/**
 * A secret Keyledger shows once (a client secret, a SCIM token, an HR webhook
 * secret): shown here, copyable, and gone when the user says it is saved.
 */
export function OneTimeSecret({ label, value, onDone }: { label: string; value: string; onDone?: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="notice secret" role="region" aria-label={label}>
      <p>
        <strong>{label}</strong> — copy it now: Keyledger will not show it again.
      </p>
      <p>
        <code className="secret-value" data-testid="one-time-secret">
          {value}
        </code>
      </p>
      <div className="actions">
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(value).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        {onDone ? (
          <button type="button" onClick={onDone}>
            I have saved it
          </button>
        ) : null}
      </div>
    </div>
  );
}
