import nodemailer, { type Transporter } from 'nodemailer';
import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import type { MailOutboxRow } from '../platform/schema.ts';
import { KeyledgerError } from '../platform/errors.ts';

/** What a message is for; the dev outbox and the log say it, so a developer finds the right link. */
export type MailKind = 'invitation' | 'email_verification' | 'password_reset' | 'account_unlock' | 'notification';

export interface MailMessage {
  kind: MailKind;
  to: string;
  subject: string;
  /** Plain text: every message Keyledger sends is readable without HTML. */
  text: string;
}

export interface MailReceipt {
  id: string;
  /** `smtp` when handed to the SMTP server, `outbox` when kept in the dev outbox. */
  transport: 'smtp' | 'outbox';
}

export interface Mailer {
  readonly transport: 'smtp' | 'outbox';
  /** Sends (or, without SMTP, keeps) one message. SMTP failures throw `mail.delivery_failed`. */
  send(message: MailMessage): Promise<MailReceipt>;
  /** The dev outbox, newest first (empty with SMTP configured). */
  listOutbox(options?: { to?: string; limit?: number }): Promise<MailOutboxView[]>;
}

export interface MailOutboxView {
  id: string;
  kind: string;
  to: string;
  subject: string;
  text: string;
  createdAt: string;
}

export interface MailerDeps {
  db: Db;
  clock: Clock;
  newId: () => string;
  logger: Logger;
  /** smtp:// or smtps:// URL with credentials; null for the dev outbox. */
  smtpUrl: string | null;
  from: string;
}

function toView(row: MailOutboxRow): MailOutboxView {
  return { id: row.id, kind: row.kind, to: row.to_address, subject: row.subject, text: row.text_body, createdAt: row.created_at };
}

/**
 * Outgoing mail. With an SMTP URL, messages go through nodemailer; without
 * one, they are kept in the `mail_outbox` table and written to the log, so a
 * fresh install can follow invitation and reset links without a mail server.
 * The outbox holds one-time links: it is for development, and the API only
 * shows it to keys with `admin:read`.
 */
export function createMailer(deps: MailerDeps): Mailer {
  const { db, clock, newId, logger } = deps;
  const transporter: Transporter | null = deps.smtpUrl ? nodemailer.createTransport(deps.smtpUrl) : null;

  return {
    transport: transporter ? 'smtp' : 'outbox',

    async send(message) {
      const id = newId();
      if (transporter) {
        try {
          await transporter.sendMail({ from: deps.from, to: message.to, subject: message.subject, text: message.text, messageId: `<${id}@keyledger>`, headers: { 'X-Keyledger-Kind': message.kind } });
        } catch (err) {
          // The SMTP server's answer helps the operator; the message body (a one-time link) is never logged.
          logger.error({ mailId: id, kind: message.kind, err: (err as Error).message }, 'mail delivery failed');
          throw new KeyledgerError('mail.delivery_failed', 'the message could not be handed to the mail server; try again later', undefined, { cause: err });
        }
        logger.info({ mailId: id, kind: message.kind }, 'mail sent');
        return { id, transport: 'smtp' };
      }
      const row: MailOutboxRow = { id, kind: message.kind, to_address: message.to.toLowerCase(), subject: message.subject, text_body: message.text, created_at: clock.now().toISOString() };
      await db.insertInto('mail_outbox').values(row).execute();
      // Development only: no SMTP server is configured, so the link is shown where the developer looks.
      logger.info({ mailId: id, kind: message.kind, to: row.to_address, subject: message.subject, body: message.text }, 'dev outbox: mail kept, not sent (set KEYLEDGER_SMTP_URL to send)');
      return { id, transport: 'outbox' };
    },

    async listOutbox(options = {}) {
      let q = db.selectFrom('mail_outbox').selectAll().orderBy('id', 'desc').limit(Math.min(Math.max(options.limit ?? 50, 1), 200));
      if (options.to) q = q.where('to_address', '=', options.to.toLowerCase());
      return (await q.execute()).map(toView);
    },
  };
}
