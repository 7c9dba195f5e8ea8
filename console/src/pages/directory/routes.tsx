import type { RouteDef } from '../../route-def.ts';
import './directory.css';
import { OrganizationsPage } from './organizations-page.tsx';
import { OrganizationPage } from './organization-page.tsx';
import { UsersPage } from './users-page.tsx';
import { UserPage } from './user-page.tsx';
import { ServiceAccountsPage } from './service-accounts-page.tsx';
import { ServiceAccountPage } from './service-account-page.tsx';
import { RolesPage } from './roles-page.tsx';
import { RolePage } from './role-page.tsx';

/** The directory pages: organizations, users, service accounts and roles. */
export const routes: RouteDef[] = [
  { path: '/organizations', title: 'Organizations', component: OrganizationsPage, nav: { section: 'Directory', label: 'Organizations', order: 1 } },
  { path: '/organizations/:org', title: 'Organization', component: OrganizationPage },
  { path: '/users', title: 'Users', component: UsersPage, nav: { section: 'Directory', label: 'Users', order: 2 } },
  { path: '/users/:id', title: 'User', component: UserPage },
  { path: '/service-accounts', title: 'Service accounts', component: ServiceAccountsPage, nav: { section: 'Directory', label: 'Service accounts', order: 3 } },
  { path: '/service-accounts/:id', title: 'Service account', component: ServiceAccountPage },
  { path: '/roles', title: 'Roles', component: RolesPage, nav: { section: 'Directory', label: 'Roles', order: 4 } },
  { path: '/roles/:role', title: 'Role', component: RolePage },
];
