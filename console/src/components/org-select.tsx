import type { ReactNode } from 'react';
import { useOrg } from '../org-context.tsx';
import { Field } from './form.tsx';

/**
 * A labelled select of the organizations the header picker knows. `none`, when given, is a first
 * choice with the empty value ("All organizations", "Whole deployment", "No organization").
 */
export function OrgSelect({ label = 'Organization', value, onChange, none, hint, disabled, withSlug = false }: { label?: string; value: string; onChange: (id: string) => void; none?: string; hint?: ReactNode; disabled?: boolean; withSlug?: boolean }) {
  const { orgs } = useOrg();
  return (
    <Field label={label} hint={hint}>
      <select value={value} onChange={(e) => onChange(e.target.value)} disabled={disabled}>
        {none === undefined ? null : <option value="">{none}</option>}
        {orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {withSlug ? `${o.name} (${o.slug})` : o.name}
          </option>
        ))}
      </select>
    </Field>
  );
}
