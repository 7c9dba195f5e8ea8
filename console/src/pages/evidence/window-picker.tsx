import { Field } from '../../components/form.tsx';
import { windowFor, type DateWindow, type WindowPick } from './window.ts';

const PICKS: Array<[WindowPick, string]> = [
  ['last-quarter', 'Last quarter'],
  ['last-90-days', 'Last 90 days'],
  ['custom', 'Custom'],
];

/**
 * The reporting window: a quick pick (last calendar quarter, last 90 days) or
 * custom dates. The dates stay editable; editing one makes the window custom.
 * The API checks the window (from before to, to not in the future) and its
 * error is shown as it answers.
 */
export function WindowPicker({ value, onChange }: { value: DateWindow; onChange: (w: DateWindow) => void }) {
  return (
    <fieldset>
      <legend>Window</legend>
      <div className="filters">
        <Field label="Period">
          <select value={value.pick} onChange={(e) => onChange(windowFor(e.target.value as WindowPick, new Date(), value))}>
            {PICKS.map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="From" hint="First day included (midnight UTC).">
          <input type="date" value={value.from} onChange={(e) => onChange({ pick: 'custom', from: e.target.value, to: value.to })} required />
        </Field>
        <Field label="To" hint="First day not included (midnight UTC); not in the future.">
          <input type="date" value={value.to} onChange={(e) => onChange({ pick: 'custom', from: value.from, to: e.target.value })} required />
        </Field>
      </div>
    </fieldset>
  );
}
