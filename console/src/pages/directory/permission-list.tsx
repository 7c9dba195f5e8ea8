import { useId, useState } from 'react';

const PERMISSION = /^[A-Za-z0-9_.:*/-]{1,128}$/;

/** The problem with a permission string, or null (the API's pattern: letters, digits and _ . : * / -). */
export function permissionProblem(p: string): string | null {
  return PERMISSION.test(p) ? null : `“${p}” is not a permission: use letters, digits and _ . : * / - (at most 128).`;
}

/**
 * Edits a list of permission strings: one labelled input per permission, each with a Remove
 * button, and "Add permission" (which focuses the new row). Empty rows are dropped on save.
 */
export function PermissionList({ value, onChange }: { value: string[]; onChange: (next: string[]) => void }) {
  const id = useId();
  // Focus moves to a row only when "Add permission" made it, not when the form opens.
  const [added, setAdded] = useState<number | null>(null);
  const set = (i: number, v: string) => onChange(value.map((p, j) => (j === i ? v : p)));
  return (
    <fieldset>
      <legend>Permissions</legend>
      <p className="hint" id={`${id}-hint`}>
        What holders of the role may do, e.g. <code>reports:read</code> or <code>prod:*</code>. Tokens and the role definitions export list them.
      </p>
      {value.length === 0 ? <p className="muted">No permissions yet.</p> : null}
      <ul className="list-editor">
        {value.map((p, i) => (
          <li key={i}>
            <label className="visually-hidden" htmlFor={`${id}-${i}`}>
              Permission {i + 1}
            </label>
            <input id={`${id}-${i}`} value={p} onChange={(e) => set(i, e.target.value)} maxLength={128} aria-describedby={`${id}-hint`} aria-invalid={p !== '' && permissionProblem(p) ? true : undefined} autoFocus={i === added} />
            <button type="button" onClick={() => onChange(value.filter((_, j) => j !== i))} aria-label={`Remove permission ${i + 1}${p ? ` (${p})` : ''}`}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <button
        type="button"
        onClick={() => {
          setAdded(value.length);
          onChange([...value, '']);
        }}
      >
        Add permission
      </button>
    </fieldset>
  );
}
