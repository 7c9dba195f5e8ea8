import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Security detections and incident response (src/monitor):
 * - `detection_cursor`: how far the rules have read the ledger (one row, advanced by a conditional update);
 * - `detection_signals`: the few facts of each relevant ledger event the rules look back over;
 * - `detection_alerts` / `detection_alert_events`: alerts and the ledger events that triggered them;
 * - `incidents`, `incident_alerts`, `incident_events`, `incident_notes`: the incident-response record.
 */
export function detectionsIncidentsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('detection_cursor')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('last_seq', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.insertInto('detection_cursor').values({ id: 1, last_seq: -1, updated_at: new Date(0).toISOString() }).execute();

      await db.schema
        .createTable('detection_signals')
        .addColumn('event_id', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('account', 'text')
        .addColumn('user_id', 'text')
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('org_id', 'text')
        .addColumn('latitude', 'double precision')
        .addColumn('longitude', 'double precision')
        .addColumn('country', 'text')
        .execute();
      await db.schema.createIndex('detection_signals_account_idx').on('detection_signals').columns(['kind', 'account', 'time']).execute();
      await db.schema.createIndex('detection_signals_ip_idx').on('detection_signals').columns(['kind', 'ip', 'time']).execute();
      await db.schema.createIndex('detection_signals_user_idx').on('detection_signals').columns(['user_id', 'kind', 'seq']).execute();
      await db.schema.createIndex('detection_signals_time_idx').on('detection_signals').columns(['time']).execute();

      await db.schema
        .createTable('detection_alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull().check(sql`severity in ('low', 'medium', 'high', 'critical')`))
        .addColumn('org_id', 'text')
        .addColumn('subject_type', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'acknowledged', 'closed')`))
        .addColumn('open_key', 'text', (c) => c.unique())
        .addColumn('first_seen_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('event_count', 'integer', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('raised_at', 'text', (c) => c.notNull())
        .addColumn('acknowledged_at', 'text')
        .addColumn('acknowledged_by', 'text')
        .addColumn('closed_at', 'text')
        .addColumn('closed_by', 'text')
        .addColumn('disposition', 'text')
        .addColumn('note', 'text')
        .execute();
      await db.schema.createIndex('detection_alerts_list_idx').on('detection_alerts').columns(['status', 'rule', 'id']).execute();
      await db.schema.createIndex('detection_alerts_org_idx').on('detection_alerts').columns(['org_id', 'id']).execute();

      await db.schema
        .createTable('detection_alert_events')
        .addColumn('alert_id', 'text', (c) => c.notNull().references('detection_alerts.id'))
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('time', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('detection_alert_events_pk', ['alert_id', 'event_id'])
        .execute();

      await db.schema
        .createTable('incidents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull().check(sql`severity in ('low', 'medium', 'high', 'critical')`))
        .addColumn('org_id', 'text', (c) => c.references('organizations.id'))
        .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'investigating', 'contained', 'resolved')`))
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('resolution', 'text')
        .addColumn('root_cause', 'text')
        .addColumn('opened_at', 'text', (c) => c.notNull())
        .addColumn('opened_by_type', 'text', (c) => c.notNull())
        .addColumn('opened_by_id', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('resolved_at', 'text')
        .execute();
      await db.schema.createIndex('incidents_list_idx').on('incidents').columns(['status', 'id']).execute();

      await db.schema
        .createTable('incident_alerts')
        .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id'))
        .addColumn('alert_id', 'text', (c) => c.notNull().references('detection_alerts.id'))
        .addColumn('linked_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('incident_alerts_pk', ['incident_id', 'alert_id'])
        .execute();
      await db.schema
        .createTable('incident_events')
        .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id'))
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('linked_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('incident_events_pk', ['incident_id', 'event_id'])
        .execute();
      await db.schema
        .createTable('incident_notes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id'))
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('author_type', 'text', (c) => c.notNull())
        .addColumn('author_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('incident_notes_incident_idx').on('incident_notes').columns(['incident_id', 'created_at']).execute();
    },
    async down(db: Kysely<any>) {
      for (const t of ['incident_notes', 'incident_events', 'incident_alerts', 'incidents', 'detection_alert_events', 'detection_alerts', 'detection_signals', 'detection_cursor']) await db.schema.dropTable(t).execute();
    },
  };
}
