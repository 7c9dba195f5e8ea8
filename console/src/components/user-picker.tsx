import { useEffect, useState, type ReactNode } from 'react';
import { useApi } from '../hooks.ts';
import type { Paged } from '../api.ts';
import { Combobox } from './combobox.tsx';

/** What the picker hands back: enough to show the person without another read. */
export interface PickedUser {
  id: string;
  email: string;
  name: string | null;
  status?: string;
}

/** "Name <email>", or the email alone. */
export function userLabel(u: Pick<PickedUser, 'email' | 'name'>): string {
  return u.name ? `${u.name} <${u.email}>` : u.email;
}

/** `value` after it has stopped changing for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/**
 * Chooses a user by typing part of their name or email: a combobox backed by
 * `GET /api/v1/users?q=` (server-side search, 8 at a time), limited to the
 * members of `orgId` when given and to active users unless `anyStatus`.
 */
export function UserPicker({ label, hint, error, orgId, anyStatus = false, value, onChange, required }: { label: string; hint?: ReactNode; error?: string | null; orgId?: string; anyStatus?: boolean; value: PickedUser | null; onChange: (user: PickedUser | null) => void; required?: boolean }) {
  const [text, setText] = useState(value ? userLabel(value) : '');
  const q = useDebounced(text.trim(), 250);
  const searching = q !== '' && !value;
  const found = useApi<Paged<PickedUser>>(searching ? '/api/v1/users' : null, { q, org: orgId, status: anyStatus ? undefined : 'active', limit: 8 });
  return (
    <Combobox<PickedUser>
      label={label}
      hint={hint ?? 'Type part of a name or email address, then choose.'}
      error={error ?? (found.error ? `Could not search: ${found.error.message}` : null)}
      text={text}
      onTextChange={setText}
      options={searching ? (found.data?.items ?? []) : []}
      loading={searching && (found.loading || q !== text.trim())}
      selected={value}
      onSelect={onChange}
      optionKey={(u) => u.id}
      optionText={userLabel}
      renderOption={(u) => (
        <>
          <strong>{u.name ?? u.email}</strong> {u.name ? <span className="muted">{u.email}</span> : null}
        </>
      )}
      noMatch={orgId ? 'No active member matches' : 'No user matches'}
      required={required}
    />
  );
}
