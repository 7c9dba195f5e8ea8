import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/** Tables no UPDATE, DELETE or TRUNCATE may touch: the database itself refuses. */
export const LEDGER_TABLES = ['audit_events', 'audit_event_targets', 'merkle_nodes', 'ledger_checkpoints'] as const;

/** Organizations, principals, roles, API keys and the audit ledger. */
export function foundationMigration(dialect: Dialect): Migration {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('organizations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text')
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'suspended', 'deprovisioned')`))
        .addColumn('manager_id', 'text', (c) => c.references('users.id'))
        .addColumn('employee_number', 'text')
        .addColumn('department', 'text')
        .addColumn('title', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('users_status_idx').on('users').columns(['status', 'id']).execute();

      await db.schema
        .createTable('memberships')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('memberships_org_user_unique', ['org_id', 'user_id'])
        .execute();
      await db.schema.createIndex('memberships_user_idx').on('memberships').column('user_id').execute();

      await db.schema
        .createTable('service_accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('owner_user_id', 'text', (c) => c.references('users.id'))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'disabled')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('service_accounts_org_idx').on('service_accounts').columns(['org_id', 'id']).execute();

      await db.schema
        .createTable('roles')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('permissions', 'text', (c) => c.notNull())
        .addColumn('privileged', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('roles_org_key_unique', ['org_id', 'key'])
        .execute();

      await db.schema
        .createTable('role_assignments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
        .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id'))
        .addColumn('principal_type', 'text', (c) => c.notNull().check(sql`principal_type in ('user', 'service_account')`))
        .addColumn('principal_id', 'text', (c) => c.notNull())
        .addColumn('granted_by_type', 'text', (c) => c.notNull())
        .addColumn('granted_by_id', 'text', (c) => c.notNull())
        .addColumn('approval_ref', 'text')
        .addColumn('reason', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .addColumn('end_reason', 'text')
        .execute();
      await db.schema.createIndex('role_assignments_org_idx').on('role_assignments').columns(['org_id', 'id']).execute();
      await db.schema.createIndex('role_assignments_principal_idx').on('role_assignments').columns(['principal_type', 'principal_id']).execute();
      await db.schema.createIndex('role_assignments_role_idx').on('role_assignments').columns(['role_id', 'ended_at']).execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_by_type', 'text', (c) => c.notNull())
        .addColumn('created_by_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('last_used_at', 'text')
        .execute();

      await db.schema
        .createTable('bootstrap_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();

      // The ledger. Sequence numbers are handed out from one counter row, so
      // appends serialize on it and commit in sequence order with no gaps.
      await db.schema
        .createTable('ledger_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('next_seq', big, (c) => c.notNull())
        .execute();
      await db.insertInto('ledger_head').values({ id: 1, next_seq: 0 }).execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('seq', big, (c) => c.primaryKey())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text')
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('leaf_hash', bytes, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_events_action_idx').on('audit_events').columns(['action', 'seq']).execute();
      await db.schema.createIndex('audit_events_actor_idx').on('audit_events').columns(['actor_id', 'seq']).execute();
      await db.schema.createIndex('audit_events_org_idx').on('audit_events').columns(['org_id', 'seq']).execute();
      await db.schema.createIndex('audit_events_time_idx').on('audit_events').columns(['time']).execute();

      await db.schema
        .createTable('audit_event_targets')
        .addColumn('seq', big, (c) => c.notNull().references('audit_events.seq'))
        .addColumn('target_type', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_event_targets_target_idx').on('audit_event_targets').columns(['target_id', 'seq']).execute();

      await db.schema
        .createTable('merkle_nodes')
        .addColumn('level', 'integer', (c) => c.notNull())
        .addColumn('idx', big, (c) => c.notNull())
        .addColumn('hash', bytes, (c) => c.notNull())
        .addPrimaryKeyConstraint('merkle_nodes_pk', ['level', 'idx'])
        .execute();

      await db.schema
        .createTable('ledger_checkpoints')
        .addColumn('size', big, (c) => c.primaryKey())
        .addColumn('root_hash', bytes, (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('signing_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('key_name', 'text', (c) => c.notNull())
        .addColumn('public_key', bytes, (c) => c.notNull())
        .addColumn('encrypted_private_key', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      for (const table of LEDGER_TABLES) await refuseChanges(db, dialect, table);
    },
  };
}

async function refuseChanges(db: Kysely<any>, dialect: Dialect, table: string): Promise<void> {
  if (dialect === 'sqlite') {
    for (const op of ['update', 'delete']) {
      await sql
        .raw(
          `create trigger ${table}_no_${op} before ${op} on ${table} ` +
            `begin select raise(abort, 'ledger.append_only: ${table} is append-only'); end`,
        )
        .execute(db);
    }
    return;
  }
  await sql
    .raw(
      `create or replace function keyledger_refuse_ledger_change() returns trigger language plpgsql as $$ ` +
        `begin raise exception 'ledger.append_only: % is append-only', tg_table_name using errcode = 'P0001'; end $$`,
    )
    .execute(db);
  await sql
    .raw(`create trigger ${table}_no_change before update or delete on ${table} for each row execute function keyledger_refuse_ledger_change()`)
    .execute(db);
  await sql
    .raw(`create trigger ${table}_no_truncate before truncate on ${table} for each statement execute function keyledger_refuse_ledger_change()`)
    .execute(db);
}
