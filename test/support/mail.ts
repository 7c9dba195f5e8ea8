import type { Runtime } from '../../src/runtime.ts';
import type { MailOutboxView } from '../../src/mail/mailer.ts';

/** Every message the dev outbox holds for `to`, oldest first, once mail sent in the background has been handed over. */
export async function mailTo(rt: Runtime, to: string): Promise<MailOutboxView[]> {
  await rt.enrollment.mailIdle();
  return (await rt.mailer.listOutbox({ to, limit: 200 })).reverse();
}

/** The one-time link (of the page at `path`, e.g. /verify-email) in the newest message to `to` that has one; throws when none does. */
export async function latestLink(rt: Runtime, to: string, path: string): Promise<string> {
  const pattern = new RegExp(`${rt.config.publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${path}\\?[a-z]+=kl_[a-z]+_[A-Za-z0-9_-]{43}`);
  for (const message of (await mailTo(rt, to)).reverse()) {
    const match = pattern.exec(message.text);
    if (match) return match[0];
  }
  throw new Error(`no ${path} link in the mail to ${to}`);
}

/** The token a link carries. */
export function tokenOf(link: string): string {
  const url = new URL(link);
  return url.searchParams.get('token') ?? url.searchParams.get('invitation') ?? '';
}
