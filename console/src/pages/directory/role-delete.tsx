import { useState } from 'react';
import { apiSend } from '../../api.ts';
import { useAction } from '../../hooks.ts';
import { navigate } from '../../router.tsx';
import { ErrorNote } from '../../components/states.tsx';
import type { Role } from './types.ts';

/**
 * "Delete role" with a confirmation step. The API deletes only a role that was never assigned
 * (`role.in_use` otherwise: its history stays evidence); the refusal is shown in place.
 */
export function DeleteRole({ orgId, role }: { orgId: string; role: Role }) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  async function remove() {
    await run(async () => {
      await apiSend('DELETE', `/api/v1/organizations/${orgId}/roles/${role.id}`);
      navigate('/roles');
    });
  }
  if (!confirming) {
    return (
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        Delete role
      </button>
    );
  }
  return (
    <div className="reason-action" role="group" aria-label="Confirm deleting the role">
      <ErrorNote error={error} title="The role was not deleted" />
      <p>
        Delete <strong>{role.name}</strong> (<code>{role.key}</code>)? Only a role that was never granted can be deleted; the deletion is recorded in the ledger.
      </p>
      <div className="actions">
        <button type="button" className="danger" onClick={() => void remove()} disabled={busy}>
          Yes, delete {role.name}
        </button>
        <button type="button" onClick={() => setConfirming(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}
