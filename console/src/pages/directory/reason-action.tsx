import { useState, type FormEvent } from 'react';
import { useAction } from '../../hooks.ts';
import { Field } from '../../components/form.tsx';
import { ErrorNote } from '../../components/states.tsx';

/**
 * A change that asks for a reason (recorded in the ledger) before it runs:
 * a button that opens a small form; `run` gets the reason, errors (a step-up,
 * a refusal) are shown in place.
 */
export function ReasonAction({ label, confirmLabel, reasonLabel = 'Reason', required = false, danger = false, run, onDone }: { label: string; confirmLabel?: string; reasonLabel?: string; required?: boolean; danger?: boolean; run: (reason: string | null) => Promise<unknown>; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const { busy, error, run: perform } = useAction();
  async function submit(e: FormEvent) {
    e.preventDefault();
    await perform(async () => {
      await run(reason.trim() || null);
      setOpen(false);
      setReason('');
      onDone();
    });
  }
  if (!open) {
    return (
      <button type="button" className={danger ? 'danger' : undefined} onClick={() => setOpen(true)}>
        {label}
      </button>
    );
  }
  return (
    <form onSubmit={submit} aria-label={label} className="reason-action">
      <ErrorNote error={error} />
      <Field label={reasonLabel} hint={required ? 'Recorded in the ledger.' : 'Optional; recorded in the ledger.'}>
        <input value={reason} onChange={(e) => setReason(e.target.value)} required={required} maxLength={1000} />
      </Field>
      <div className="actions">
        <button type="submit" className={danger ? 'danger' : 'primary'} disabled={busy}>
          {confirmLabel ?? label}
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
