import type { RouteDef } from '../../route-def.ts';
import './access.css';
import { InboxPage } from './inbox.tsx';
import { MyRequestsPage } from './my-requests.tsx';
import { OrgRequestsPage } from './org-requests.tsx';
import { RequestDetailPage } from './request-detail.tsx';
import { ElevationPage } from './elevation.tsx';
import { ReviewsPage } from './reviews.tsx';
import { ReviewDetailPage } from './review-detail.tsx';
import { ReviewDecisionsPage } from './review-decisions.tsx';

/** The access pages: approvals, requests, just-in-time elevation, access reviews. */
export const routes: RouteDef[] = [
  { path: '/access/inbox', title: 'Approval inbox', component: InboxPage, nav: { section: 'Access', label: 'Approval inbox', order: 1 } },
  { path: '/access/my-requests', title: 'My access requests', component: MyRequestsPage, nav: { section: 'Access', label: 'My requests', order: 2 } },
  { path: '/access/elevation', title: 'Elevation', component: ElevationPage, nav: { section: 'Access', label: 'Elevation', order: 3 } },
  { path: '/access/my-reviews', title: 'My access reviews', component: ReviewDecisionsPage, nav: { section: 'Access', label: 'My reviews', order: 4 } },
  { path: '/access/requests', title: 'Access requests', component: OrgRequestsPage, nav: { section: 'Access', label: 'Access requests', order: 5 } },
  { path: '/access/requests/:org/:id', title: 'Access request', component: RequestDetailPage },
  { path: '/access/reviews', title: 'Access reviews', component: ReviewsPage, nav: { section: 'Access', label: 'Access reviews', order: 6 } },
  { path: '/access/reviews/:id', title: 'Access review', component: ReviewDetailPage },
];
