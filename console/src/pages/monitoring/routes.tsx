import type { RouteDef } from '../../route-def.ts';
import { FindingsPage } from './findings-page.tsx';
import { FindingPage } from './finding-page.tsx';
import { AlertsPage } from './alerts-page.tsx';
import { AlertPage } from './alert-page.tsx';
import { IncidentsPage } from './incidents-page.tsx';
import { IncidentPage } from './incident-page.tsx';
import { DetectionRulesPage } from './detection-rules-page.tsx';
import { SiemPage } from './siem-page.tsx';
import { SiemNewPage } from './siem-new-page.tsx';
import { SiemDestinationPage } from './siem-destination-page.tsx';
import './monitoring.css';

/** The monitoring pages: findings, alerts, incidents, detection rules, SIEM streaming. */
export const routes: RouteDef[] = [
  { path: '/monitoring/findings', title: 'Findings', component: FindingsPage, nav: { section: 'Monitoring', label: 'Findings', order: 1 } },
  { path: '/monitoring/findings/:id', title: 'Finding', component: FindingPage },
  { path: '/monitoring/alerts', title: 'Alerts', component: AlertsPage, nav: { section: 'Monitoring', label: 'Alerts', order: 2 } },
  { path: '/monitoring/alerts/:id', title: 'Alert', component: AlertPage },
  { path: '/monitoring/incidents', title: 'Incidents', component: IncidentsPage, nav: { section: 'Monitoring', label: 'Incidents', order: 3 } },
  { path: '/monitoring/incidents/:id', title: 'Incident', component: IncidentPage },
  { path: '/monitoring/detection-rules', title: 'Detection rules', component: DetectionRulesPage, nav: { section: 'Monitoring', label: 'Detection rules', order: 4 } },
  { path: '/monitoring/siem', title: 'SIEM streaming', component: SiemPage, nav: { section: 'Monitoring', label: 'SIEM streaming', order: 5 } },
  { path: '/monitoring/siem/new', title: 'Add a SIEM destination', component: SiemNewPage },
  { path: '/monitoring/siem/:id', title: 'SIEM destination', component: SiemDestinationPage },
];
