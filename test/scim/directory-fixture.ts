import type { Kysely } from 'kysely';
import type { Database } from '../../src/platform/schema.ts';

/**
 * A small SCIM directory for the query-engine suites, inserted straight into
 * the tables of migration 0013: four users in directory d1 (and a namesake in
 * d2), their multi-valued values, and three groups.
 */
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const at = (day: string) => `2024-${day}T00:00:00.000Z`;

function user(id: string, directory: string, userName: string, o: Partial<Database['scim_users'] extends infer T ? { [K in keyof T]: unknown } : never> = {}) {
  return {
    id, directory_id: directory, org_id: 'o1', user_id: null, user_name: userName, external_id: null, name_formatted: null, family_name: null, given_name: null, middle_name: null,
    honorific_prefix: null, honorific_suffix: null, display_name: null, nick_name: null, profile_url: null, title: null, user_type: null, preferred_language: null, locale: null,
    timezone: null, active: 1, employee_number: null, cost_center: null, organization: null, division: null, department: null, manager_value: null, manager_display_name: null,
    version: 1, created_at: at('01-01'), updated_at: at('01-01'), ...o,
  };
}

function value(userId: string, attribute: string, ordinal: number, v: string, type: string | null, primary = 0, o: Record<string, unknown> = {}) {
  return { scim_user_id: userId, directory_id: 'd1', attribute, ordinal, value: v, display: null, type, primary, formatted: null, street_address: null, locality: null, region: null, postal_code: null, country: null, ...o };
}

export async function seedDirectory(db: Kysely<Database>): Promise<void> {
  const k = db as unknown as Kysely<any>;
  await k.insertInto('organizations').values({ id: 'o1', slug: 'acme', name: 'Acme', settings: '{}', created_at: at('01-01'), updated_at: at('01-01') }).execute();
  for (const id of ['d1', 'd2']) await k.insertInto('scim_directories').values({ id, org_id: 'o1', name: id, status: 'active', created_at: at('01-01'), updated_at: at('01-01'), last_request_at: null }).execute();
  await k.insertInto('scim_users').values([
    user('u1', 'd1', 'Bjensen', {
      family_name: 'Jensen', given_name: 'Barbara', display_name: 'Babs Jensen', title: 'Tour Guide', user_type: 'Employee', department: 'Sales', manager_value: 'u2', employee_number: '00701',
      external_id: 'Ext-A', created_at: at('01-01'), updated_at: at('06-01'),
    }),
    user('u2', 'd1', 'jsmith', { family_name: 'Smith', title: '', active: 0, user_type: 'Employee', created_at: at('02-01'), updated_at: at('02-02') }),
    user('u3', 'd1', '50%_off', { display_name: '50abc', external_id: 'ext-a', created_at: at('03-01'), updated_at: at('03-01') }),
    user('u4', 'd1', 'kwong', { display_name: 'Kim Wong', title: 'Tour Lead', nick_name: 'back\\slash', user_type: 'Contractor', created_at: at('04-01'), updated_at: at('04-01') }),
    user('u9', 'd2', 'bjensen', { created_at: at('05-01') }),
  ]).execute();
  await k.insertInto('scim_user_values').values([
    value('u1', 'emails', 0, 'bjensen@example.com', 'work', 1),
    value('u1', 'emails', 1, 'babs@home.example.org', 'home'),
    value('u2', 'emails', 0, 'john@work.example', 'work'),
    value('u2', 'emails', 1, 'john@home.example', 'home'),
    value('u4', 'emails', 0, 'zed@elsewhere.example', 'other'),
    value('u4', 'emails', 1, 'k@home.example', 'work', 1),
    value('u4', 'phoneNumbers', 0, '+1 555 0100', 'mobile'),
    value('u4', 'addresses', 0, null as unknown as string, 'work', 1, { street_address: '1 Main St', locality: 'Paris' }),
    { ...value('u9', 'emails', 0, 'bjensen@example.com', 'work', 1), directory_id: 'd2' },
  ]).execute();
  await k.insertInto('scim_groups').values([
    { id: 'g1', directory_id: 'd1', org_id: 'o1', display_name: 'Sales Team', external_id: null, version: 1, created_at: at('01-01'), updated_at: at('01-01') },
    { id: 'g2', directory_id: 'd1', org_id: 'o1', display_name: 'Admins', external_id: 'AD-1', version: 1, created_at: at('02-01'), updated_at: at('02-01') },
    { id: 'g3', directory_id: 'd1', org_id: 'o1', display_name: 'Empty_100%', external_id: null, version: 1, created_at: at('03-01'), updated_at: at('03-01') },
  ]).execute();
  await k.insertInto('scim_group_members').values([
    { group_id: 'g1', scim_user_id: 'u1', directory_id: 'd1', created_at: at('01-01') },
    { group_id: 'g1', scim_user_id: 'u2', directory_id: 'd1', created_at: at('01-01') },
    { group_id: 'g2', scim_user_id: 'u4', directory_id: 'd1', created_at: at('01-01') },
  ]).execute();
}
