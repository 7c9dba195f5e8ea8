import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useApi } from './hooks.ts';
import type { Paged } from './api.ts';

export interface Organization {
  id: string;
  slug: string;
  name: string;
  settings?: Record<string, unknown>;
  createdAt?: string;
}

interface OrgState {
  org: Organization | null;
  orgs: Organization[];
  loading: boolean;
  choose: (id: string) => void;
}

const OrgContext = createContext<OrgState>({ org: null, orgs: [], loading: true, choose: () => {} });
const CHOSEN_KEY = 'keyledger.console.org';

/** The organization the console is looking at, chosen in the header and remembered in this browser. */
export function OrgProvider({ children }: { children: ReactNode }) {
  const list = useApi<Paged<Organization>>('/api/v1/organizations', { limit: 100 });
  const [chosen, setChosen] = useState<string | null>(() => localStorage.getItem(CHOSEN_KEY));
  const orgs = list.data?.items ?? [];
  const org = orgs.find((o) => o.id === chosen) ?? orgs[0] ?? null;
  useEffect(() => {
    if (org && org.id !== chosen) setChosen(org.id);
  }, [org, chosen]);
  const choose = (id: string) => {
    localStorage.setItem(CHOSEN_KEY, id);
    setChosen(id);
  };
  return <OrgContext.Provider value={{ org, orgs, loading: list.loading, choose }}>{children}</OrgContext.Provider>;
}

export function useOrg(): OrgState {
  return useContext(OrgContext);
}
