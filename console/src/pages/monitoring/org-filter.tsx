import { Field } from '../../components/form.tsx';
import { useOrg } from '../../org-context.tsx';

/** An organization filter: all of them (and deployment-level records), or one. */
export function OrgFilter({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const { orgs } = useOrg();
  return (
    <Field label="Organization">
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All organizations</option>
        {orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** A select filter of fixed values, "Any" first; changes go to the URL. */
export function SelectFilter({ label, value, options, onChange }: { label: string; value: string; options: readonly string[]; onChange: (v: string) => void }) {
  return (
    <Field label={label}>
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o.replace(/_/g, ' ')}
          </option>
        ))}
      </select>
    </Field>
  );
}
