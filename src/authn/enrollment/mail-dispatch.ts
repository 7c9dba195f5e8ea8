import type { Logger } from '../../platform/logger.ts';
import type { MailMessage, Mailer } from '../../mail/mailer.ts';

export interface MailDispatch {
  /** Sends now; a failure throws `mail.delivery_failed` to the caller. */
  send(message: MailMessage): Promise<void>;
  /**
   * Sends without making the caller wait: self-service answers (sign-up,
   * reset request) must not take longer, or fail, for an address that gets
   * mail than for one that does not. A failure is logged (never the body).
   */
  sendInBackground(message: MailMessage): void;
  /** Resolves once every background send has finished (shutdown, and tests reading the outbox). */
  idle(): Promise<void>;
}

/** Mail for the enrollment flows: awaited when an administrator asked for it, in the background for self-service. */
export function createMailDispatch(mailer: Mailer, logger: Logger): MailDispatch {
  const inFlight = new Set<Promise<void>>();
  return {
    async send(message) {
      await mailer.send(message);
    },
    sendInBackground(message) {
      const sending: Promise<void> = mailer
        .send(message)
        .then(
          () => undefined,
          (err: unknown) => logger.error({ kind: message.kind, err: (err as Error).message }, 'background mail failed; the link was not delivered'),
        )
        .finally(() => inFlight.delete(sending));
      inFlight.add(sending);
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
