import { useState } from 'react';
import { useApi } from '../../hooks.ts';
import type { Paged } from '../../api.ts';
import { Combobox } from '../../components/combobox.tsx';
import type { ServiceAccount } from './types.ts';

/**
 * Chooses one of an organization's active service accounts by typing part of its name or purpose.
 * The service-account list has no search parameter, so this filters the first 200 in the browser
 * (an organization's machine clients are few; the hint says so when there are more).
 */
export function ServiceAccountPicker({ orgId, value, onChange, error }: { orgId: string; value: ServiceAccount | null; onChange: (sa: ServiceAccount | null) => void; error?: string | null }) {
  const [text, setText] = useState(value?.name ?? '');
  const all = useApi<Paged<ServiceAccount>>(`/api/v1/organizations/${orgId}/service-accounts`, { limit: 200 });
  const needle = text.trim().toLowerCase();
  const options = (all.data?.items ?? []).filter((sa) => sa.status === 'active' && (sa.name.toLowerCase().includes(needle) || sa.description.toLowerCase().includes(needle))).slice(0, 8);
  const more = all.data?.nextCursor ? ' Only the first 200 service accounts are searched; open the account’s page for others.' : '';
  return (
    <Combobox<ServiceAccount>
      label="Service account"
      hint={`Type part of its name or purpose, then choose.${more}`}
      error={error ?? (all.error ? `Could not list service accounts: ${all.error.message}` : null)}
      text={text}
      onTextChange={setText}
      options={options}
      loading={all.loading}
      selected={value}
      onSelect={onChange}
      optionKey={(sa) => sa.id}
      optionText={(sa) => sa.name}
      renderOption={(sa) => (
        <>
          <strong>{sa.name}</strong> <span className="muted">{sa.description}</span>
        </>
      )}
      noMatch="No active service account matches"
      required
    />
  );
}
