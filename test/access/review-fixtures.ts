import { createOrg, createRole, createServiceAccount, createUser, grantRole, ok, type HttpSuite } from '../support/http.ts';
import { openUserSession, sessionHeaders } from '../support/user-session.ts';

type Json = Record<string, any>;

/**
 * An organization with people in every position of the reviewer chain:
 * - `admin` holds `org-admin` (permission `*`); `owner` owns campaigns; `dbOwner` owns `db-admin`;
 * - `ada` reports to `mgr` and holds `viewer` and the privileged `db-admin`;
 * - `bob` has no manager and holds `viewer` (no role owner → the admin reviews);
 * - `dbOwner` holds `db-admin` himself (role owner = self → skipped → the admin);
 * - the service account `ci` is owned by `ada` and holds `viewer`.
 */
export async function reviewOrg(s: HttpSuite, slug: string) {
  await createOrg(s, slug);
  const user = (name: string, extra: Json = {}) => createUser(s, { email: `${name}@${slug}.test`, org: slug, ...extra });
  const admin = await user('admin');
  const owner = await user('owner');
  const mgr = await user('mgr');
  const dbOwner = await user('dbowner');
  const ada = await user('ada', { managerId: mgr.id });
  const bob = await user('bob');
  await createRole(s, slug, 'org-admin', { permissions: ['*'], privileged: true, allowStanding: true });
  await createRole(s, slug, 'viewer');
  await createRole(s, slug, 'db-admin', { privileged: true, ownerId: dbOwner.id });
  const ci = await createServiceAccount(s, slug, 'ci', ada.id);
  const a = {
    adminAdmin: await grantRole(s, slug, 'org-admin', admin.id),
    adaViewer: await grantRole(s, slug, 'viewer', ada.id),
    adaDb: await grantRole(s, slug, 'db-admin', ada.id),
    bobViewer: await grantRole(s, slug, 'viewer', bob.id),
    dbOwnerDb: await grantRole(s, slug, 'db-admin', dbOwner.id),
    ciViewer: await grantRole(s, slug, 'viewer', ci.id, { principalType: 'service_account' }),
  };
  return { slug, admin, owner, mgr, dbOwner, ada, bob, ci, a };
}

/** A signed-in user's calls to the self-service API. */
export async function signedIn(s: HttpSuite, userId: string) {
  const { cookie } = await openUserSession(s.rt, userId);
  const headers = sessionHeaders(cookie);
  return {
    get: (url: string) => s.request('GET', url, { key: null, headers }),
    post: (url: string, body: unknown = {}) => s.request('POST', url, { key: null, headers, body }),
  };
}

/** Opens an ad hoc campaign through the admin API. */
export const openCampaign = (s: HttpSuite, slug: string, body: Json) => ok(s, 201, 'POST', `/api/v1/organizations/${slug}/access-reviews`, body);

/** Every item of a campaign, walked page by page. */
export async function allItems(s: HttpSuite, slug: string, campaignId: string, query = ''): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | null = null;
  do {
    const page: Json = await ok(s, 200, 'GET', `/api/v1/organizations/${slug}/access-reviews/${campaignId}/items?limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}
