import type { RouteDef } from '../../route-def.ts';
import { AuditEventsPage } from './audit-events-page.tsx';
import { AuditEventPage } from './audit-event-page.tsx';
import './ledger.css';

/** The ledger pages: the explorer and one event with in-browser verification. */
export const routes: RouteDef[] = [
  { path: '/audit', title: 'Audit ledger', component: AuditEventsPage, nav: { section: 'Audit', label: 'Ledger explorer', order: 1 } },
  { path: '/audit/events/:id', title: 'Ledger event', component: AuditEventPage },
];
