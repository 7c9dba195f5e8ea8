import type { RouteDef } from '../../route-def.ts';
import './connections.css';
import { SsoListPage } from './sso-list.tsx';
import { SsoWizardPage } from './sso-wizard.tsx';
import { SsoConnectionPage } from './sso-connection.tsx';
import { ScimListPage } from './scim-list.tsx';
import { ScimDirectoryPage } from './scim-directory.tsx';
import { HrSourcesPage } from './hr-sources.tsx';

/** The connections pages: enterprise SSO, SCIM directories and HR webhooks of the chosen organization. */
export const routes: RouteDef[] = [
  { path: '/connections/sso', title: 'Single sign-on', component: SsoListPage, nav: { section: 'Connections', label: 'Single sign-on', order: 1 } },
  { path: '/connections/sso/new', title: 'Set up single sign-on', component: SsoWizardPage },
  { path: '/connections/sso/:id', title: 'SSO connection', component: SsoConnectionPage },
  { path: '/connections/scim', title: 'SCIM directories', component: ScimListPage, nav: { section: 'Connections', label: 'SCIM directories', order: 2 } },
  { path: '/connections/scim/:id', title: 'SCIM directory', component: ScimDirectoryPage },
  { path: '/connections/hr', title: 'HR sources', component: HrSourcesPage, nav: { section: 'Connections', label: 'HR sources', order: 3 } },
];
