import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * The development outbox: with no SMTP server configured, outgoing mail
 * (invitations, verification, reset and unlock links) is kept here and in the
 * log instead of being sent, so a developer can follow the links.
 */
export function mailOutboxMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('mail_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('to_address', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('text_body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('mail_outbox_to_idx').on('mail_outbox').columns(['to_address', 'id']).execute();
    },
  };
}
