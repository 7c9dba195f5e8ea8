import type { ComponentType } from 'react';

/** Sections of the side navigation, in order. */
export const NAV_SECTIONS = ['Overview', 'Directory', 'Access', 'Connections', 'Audit', 'Monitoring', 'Evidence'] as const;
export type NavSection = (typeof NAV_SECTIONS)[number];

/** One console page: its path (without /console), the component (given the path params), and its place in the navigation. */
export interface RouteDef {
  path: string;
  title: string;
  component: ComponentType<{ params: Record<string, string> }>;
  nav?: { section: NavSection; label: string; order?: number };
}
