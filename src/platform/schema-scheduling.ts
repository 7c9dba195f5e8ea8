import type { Selectable } from 'kysely';

/** The scheduler's lease and job bookkeeping, and governance notifications (migration 0021); see `src/platform/scheduler.ts` and `src/notify`. */
export interface SchedulingTables {
  scheduler_leases: SchedulerLeasesTable;
  scheduler_jobs: SchedulerJobsTable;
  notification_webhooks: NotificationWebhooksTable;
  notification_outbox: NotificationOutboxTable;
}

/** Who may run periodic jobs now: one row per lease; each takeover increments `fencing_token`. */
export interface SchedulerLeasesTable {
  name: string;
  /** The node id of the holder. */
  holder: string;
  fencing_token: number;
  acquired_at: string;
  /** The holder renews before this; after it, any node may take the lease over. */
  expires_at: string;
}
export type SchedulerLeaseRow = Selectable<SchedulerLeasesTable>;

/** One periodic job: when it last ran (claimed), under which fencing token, and how that run ended. */
export interface SchedulerJobsTable {
  name: string;
  /** The start of the newest run that counts for its interval (a failed run gives its interval back). */
  last_run_at: string | null;
  last_fencing_token: number | null;
  last_holder: string | null;
  last_finished_at: string | null;
  /** The error of the newest run, null after a success. */
  last_error: string | null;
  /** What the newest successful run returned (e.g. how many items it handled). */
  last_result: number | null;
  runs: number;
  failures: number;
}
export type SchedulerJobRow = Selectable<SchedulerJobsTable>;

/** An organization's webhook for governance notifications; the signing secret is an envelope (it must be usable to sign), never plain. */
export interface NotificationWebhooksTable {
  id: string;
  org_id: string;
  url: string;
  /** JSON text array of type prefixes (`access.`) or exact types the webhook receives. */
  events: string;
  description: string | null;
  status: 'active' | 'deleted';
  /** JSON envelope of the signing secret (purpose `notify.webhook_secret`); empty once deleted. */
  secret: string;
  /** The secret's first characters, not secret, so an administrator can tell secrets apart. */
  secret_prefix: string;
  created_by_type: string;
  created_by_id: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}
export type NotificationWebhookRow = Selectable<NotificationWebhooksTable>;

/**
 * The transactional outbox: one row per email recipient and per webhook of a
 * notification, written in the transaction of the command that notifies, sent
 * afterwards by the delivery job (claimed by a conditional UPDATE).
 */
export interface NotificationOutboxTable {
  id: string;
  /** Shared by every row one notification wrote; the webhook payload's `id`. */
  notification_id: string;
  org_id: string;
  type: string;
  channel: 'email' | 'webhook';
  webhook_id: string | null;
  user_id: string | null;
  to_address: string | null;
  subject: string;
  text_body: string;
  /** JSON text of the notification's data. */
  data: string;
  status: 'pending' | 'sending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: string;
  /** While `sending`: the claim's random token and when the claim lapses (a node that died mid-send). */
  claim_token: string | null;
  claimed_until: string | null;
  /** A short error string of the newest failed attempt (status code and the start of the answer), never a whole response. */
  last_error: string | null;
  last_status_code: number | null;
  delivered_at: string | null;
  created_at: string;
  updated_at: string;
}
export type NotificationOutboxRow = Selectable<NotificationOutboxTable>;
