import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * SCIM 2.0 directories (RFC 7643/7644), one or more per organization:
 * - `scim_directories` and their bearer tokens (`scim_tokens`, SHA-256 only);
 * - `scim_users`: the directory's view of a person, every singular attribute of
 *   the core and enterprise User schemas in a column, linked to the Keyledger
 *   account it provisions (`user_id`, null while the address conflicts with
 *   another account); `scim_user_values`: one row per item of a multi-valued
 *   attribute (emails, phoneNumbers, addresses, …), so filters such as
 *   `emails[type eq "work" and value co "@x"]` are one indexed EXISTS;
 * - `scim_groups`, `scim_group_members` and `scim_group_role_mappings` (a
 *   directory group grants a role to its linked members).
 *
 * Case-insensitive attributes (userName, displayName, emails.value) are
 * indexed on `lower(column)`, which SQLite and PostgreSQL both support.
 */
export function scimDirectoriesMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('scim_directories')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'disabled')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('last_request_at', 'text')
        .execute();
      await db.schema.createIndex('scim_directories_org_idx').on('scim_directories').columns(['org_id', 'id']).execute();

      await db.schema
        .createTable('scim_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('directory_id', 'text', (c) => c.notNull().references('scim_directories.id'))
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by_type', 'text', (c) => c.notNull())
        .addColumn('created_by_id', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('last_used_at', 'text')
        .addColumn('last_used_ip', 'text')
        .execute();
      await db.schema.createIndex('scim_tokens_hash_unique').on('scim_tokens').column('token_hash').unique().execute();
      await db.schema.createIndex('scim_tokens_directory_idx').on('scim_tokens').columns(['directory_id', 'id']).execute();

      await db.schema
        .createTable('scim_users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('directory_id', 'text', (c) => c.notNull().references('scim_directories.id'))
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('user_id', 'text', (c) => c.references('users.id'))
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text')
        .addColumn('name_formatted', 'text')
        .addColumn('family_name', 'text')
        .addColumn('given_name', 'text')
        .addColumn('middle_name', 'text')
        .addColumn('honorific_prefix', 'text')
        .addColumn('honorific_suffix', 'text')
        .addColumn('display_name', 'text')
        .addColumn('nick_name', 'text')
        .addColumn('profile_url', 'text')
        .addColumn('title', 'text')
        .addColumn('user_type', 'text')
        .addColumn('preferred_language', 'text')
        .addColumn('locale', 'text')
        .addColumn('timezone', 'text')
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('employee_number', 'text')
        .addColumn('cost_center', 'text')
        .addColumn('organization', 'text')
        .addColumn('division', 'text')
        .addColumn('department', 'text')
        .addColumn('manager_value', 'text')
        .addColumn('manager_display_name', 'text')
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await sql`create unique index scim_users_user_name_unique on scim_users (directory_id, lower(user_name))`.execute(db);
      await sql`create index scim_users_display_name_idx on scim_users (directory_id, lower(display_name))`.execute(db);
      await sql`create index scim_users_family_name_idx on scim_users (directory_id, lower(family_name))`.execute(db);
      await db.schema.createIndex('scim_users_external_id_idx').on('scim_users').columns(['directory_id', 'external_id']).execute();
      await db.schema.createIndex('scim_users_created_idx').on('scim_users').columns(['directory_id', 'created_at']).execute();
      await db.schema.createIndex('scim_users_user_idx').on('scim_users').column('user_id').execute();

      await db.schema
        .createTable('scim_user_values')
        .addColumn('scim_user_id', 'text', (c) => c.notNull().references('scim_users.id'))
        .addColumn('directory_id', 'text', (c) => c.notNull())
        .addColumn('attribute', 'text', (c) => c.notNull())
        .addColumn('ordinal', 'integer', (c) => c.notNull())
        .addColumn('value', 'text')
        .addColumn('display', 'text')
        .addColumn('type', 'text')
        .addColumn('primary', 'integer', (c) => c.notNull())
        .addColumn('formatted', 'text')
        .addColumn('street_address', 'text')
        .addColumn('locality', 'text')
        .addColumn('region', 'text')
        .addColumn('postal_code', 'text')
        .addColumn('country', 'text')
        .addPrimaryKeyConstraint('scim_user_values_pk', ['scim_user_id', 'attribute', 'ordinal'])
        .execute();
      await sql`create index scim_user_values_value_idx on scim_user_values (directory_id, attribute, lower(value))`.execute(db);

      await db.schema
        .createTable('scim_groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('directory_id', 'text', (c) => c.notNull().references('scim_directories.id'))
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text')
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await sql`create index scim_groups_display_name_idx on scim_groups (directory_id, lower(display_name))`.execute(db);
      await db.schema.createIndex('scim_groups_external_id_idx').on('scim_groups').columns(['directory_id', 'external_id']).execute();

      await db.schema
        .createTable('scim_group_members')
        .addColumn('group_id', 'text', (c) => c.notNull().references('scim_groups.id'))
        .addColumn('scim_user_id', 'text', (c) => c.notNull().references('scim_users.id'))
        .addColumn('directory_id', 'text', (c) => c.notNull())
        .addColumn('display', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('scim_group_members_pk', ['group_id', 'scim_user_id'])
        .execute();
      await db.schema.createIndex('scim_group_members_user_idx').on('scim_group_members').column('scim_user_id').execute();

      await db.schema
        .createTable('scim_group_role_mappings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('directory_id', 'text', (c) => c.notNull().references('scim_directories.id'))
        .addColumn('group_id', 'text', (c) => c.notNull().references('scim_groups.id'))
        .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by_type', 'text', (c) => c.notNull())
        .addColumn('created_by_id', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('scim_group_role_mappings_unique').on('scim_group_role_mappings').columns(['group_id', 'role_id']).unique().execute();
      await db.schema.createIndex('scim_group_role_mappings_directory_idx').on('scim_group_role_mappings').columns(['directory_id', 'id']).execute();
    },
  };
}
