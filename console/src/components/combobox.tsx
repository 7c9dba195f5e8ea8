import { useId, useState, type KeyboardEvent, type ReactNode } from 'react';
import { Field } from './form.tsx';

export interface ComboboxProps<T> {
  label: string;
  hint?: ReactNode;
  error?: string | null;
  /** What the box holds; typing changes it (and drops the selection). */
  text: string;
  onTextChange: (text: string) => void;
  /** The options matching `text` (the caller fetches them). */
  options: T[];
  loading?: boolean;
  selected: T | null;
  onSelect: (option: T | null) => void;
  optionKey: (option: T) => string;
  /** The text the box shows once an option is chosen. */
  optionText: (option: T) => string;
  renderOption?: (option: T) => ReactNode;
  /** Said (to screen readers too) when `text` matches nothing. */
  noMatch?: string;
  required?: boolean;
}

/**
 * An editable combobox with a list popup (the WAI-ARIA 1.2 pattern): typing filters, Arrow Up/Down
 * move through the options, Enter chooses, Escape closes; the input keeps focus throughout and
 * `aria-activedescendant` names the active option. The number of matches is announced politely.
 */
export function Combobox<T>(props: ComboboxProps<T>) {
  const { label, hint, error, text, onTextChange, options, loading, selected, onSelect, optionKey, optionText, renderOption, noMatch = 'No match', required } = props;
  const id = useId();
  const listId = `${id}-list`;
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const showing = open && text.trim() !== '' && !selected;
  const optionId = (i: number) => `${id}-opt-${i}`;
  const choose = (o: T) => {
    onSelect(o);
    onTextChange(optionText(o));
    setOpen(false);
  };
  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, Math.max(options.length - 1, 0)));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter' && showing && options[active]) {
      e.preventDefault();
      choose(options[active]);
    } else if (e.key === 'Escape') {
      setOpen(false);
    }
  }
  const status = !showing ? '' : loading ? 'Searching…' : options.length === 0 ? noMatch : `${options.length} ${options.length === 1 ? 'match' : 'matches'}; use the arrow keys to choose.`;
  return (
    <div className="combobox">
      <Field label={label} hint={hint} error={error}>
        <input
          type="text"
          role="combobox"
          autoComplete="off"
          aria-autocomplete="list"
          aria-expanded={showing && options.length > 0}
          aria-controls={listId}
          aria-activedescendant={showing && options[active] ? optionId(active) : undefined}
          value={text}
          required={required}
          onChange={(e) => {
            onTextChange(e.target.value);
            if (selected) onSelect(null);
            setActive(0);
            setOpen(true);
          }}
          onKeyDown={onKeyDown}
          onFocus={() => setOpen(true)}
          onBlur={() => setOpen(false)}
        />
      </Field>
      <ul role="listbox" id={listId} aria-label={label} className="combobox-list" hidden={!showing || options.length === 0}>
        {options.map((o, i) => (
          <li
            key={optionKey(o)}
            id={optionId(i)}
            role="option"
            aria-selected={i === active}
            className={i === active ? 'active' : undefined}
            // mousedown, not click: it comes before the input's blur would close the list.
            onMouseDown={(e) => {
              e.preventDefault();
              choose(o);
            }}
          >
            {renderOption ? renderOption(o) : optionText(o)}
          </li>
        ))}
      </ul>
      <p className="visually-hidden" aria-live="polite">
        {status}
      </p>
      {/* Shown for sighted users (focused or not, so the layout does not jump on blur); the live region above says it to screen readers. */}
      {text.trim() !== '' && !selected && !loading && options.length === 0 ? (
        <p className="muted combobox-empty" aria-hidden="true">
          {noMatch}
        </p>
      ) : null}
    </div>
  );
}
