import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api.ts';
import { useAction } from '../../hooks.ts';
import { useOrg } from '../../org-context.tsx';
import { Field } from '../../components/form.tsx';
import { ErrorNote } from '../../components/states.tsx';
import type { User } from './types.ts';
import { OrgSelect } from '../../components/org-select.tsx';

/** "Create user": email, name, and the organization they join (POST /api/v1/users with `org`). */
export function CreateUserForm({ onCreated }: { onCreated: (user: User) => void }) {
  const { org } = useOrg();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [orgId, setOrgId] = useState(org?.id ?? '');
  const { busy, error, run } = useAction();
  async function submit(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      const body: Record<string, string> = { email: email.trim() };
      if (name.trim()) body.name = name.trim();
      if (orgId) body.org = orgId;
      onCreated(await apiSend<User>('POST', '/api/v1/users', body));
    });
  }
  return (
    <form onSubmit={submit} aria-label="Create user">
      <ErrorNote error={error} title="The user was not created" />
      <Field label="Email">
        <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required maxLength={254} autoComplete="off" />
      </Field>
      <Field label="Full name">
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} autoComplete="off" />
      </Field>
      <OrgSelect label="Add to organization" hint="The user becomes a member; roles are granted separately on the Roles page." value={orgId} onChange={setOrgId} none="No organization" withSlug />
      <button type="submit" className="primary" disabled={busy}>
        Create user
      </button>
    </form>
  );
}
