import { useEffect, useRef, useState } from 'react';
import { apiGet } from '../../api.ts';

type Actor = { type: string; id: string };

/**
 * Names for user ids, read through GET /api/v1/users/{id} once each and kept
 * for the life of the page. Until a name arrives (or when the user cannot be
 * read) the id is shown.
 */
export function useUserNames(ids: readonly string[]): { userName: (id: string) => string; actorName: (actor: Actor) => string } {
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  const asked = useRef(new Set<string>());
  const key = [...new Set(ids)].sort().join(',');
  useEffect(() => {
    const wanted = key.split(',').filter((id) => id && !asked.current.has(id));
    for (const id of wanted) {
      asked.current.add(id);
      apiGet<{ id: string; email: string; name: string | null }>(`/api/v1/users/${encodeURIComponent(id)}`).then(
        (u) => setNames((m) => new Map(m).set(id, u.name ? `${u.name} (${u.email})` : u.email)),
        () => undefined,
      );
    }
  }, [key]);
  const userName = (id: string) => names.get(id) ?? id;
  const actorName = (actor: Actor) => (actor.type === 'user' ? userName(actor.id) : `${actor.type.replace(/_/g, ' ')} ${actor.id.slice(0, 8)}`);
  return { userName, actorName };
}
