import type { Runtime } from '../runtime.ts';
import { html, type Html } from './html.ts';
import type { SignedIn } from './web-request.ts';

/** The passkeys section of the account page (filled in once passkeys are wired). */
export async function passkeySection(_rt: Runtime, _who: SignedIn, _csrf: string, _options: { stepUpOnly?: boolean } = {}): Promise<Html> {
  return html``;
}
