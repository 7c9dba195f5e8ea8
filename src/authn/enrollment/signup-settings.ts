import { KeyledgerError } from '../../platform/errors.ts';

/** Who may create an account in an organization on their own. */
export const SIGNUP_MODES = ['invitation_only', 'open'] as const;
export type SignupMode = (typeof SIGNUP_MODES)[number];

/** An organization's `settings.signup`, resolved. */
export interface SignupSettings {
  mode: SignupMode;
  /** Email domains open sign-up accepts (exact match, lower case); null accepts any domain. */
  allowedDomains: string[] | null;
}

/** Invitation only: an organization opens sign-up deliberately, never by omission. */
export const DEFAULT_SIGNUP_SETTINGS: Readonly<SignupSettings> = Object.freeze({ mode: 'invitation_only', allowedDomains: null });

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const MAX_DOMAINS = 100;

function invalid(message: string): KeyledgerError {
  return new KeyledgerError('organization.settings_invalid', `signup ${message}`);
}

/**
 * Reads `settings.signup` ({ mode: 'invitation_only' | 'open', allowedDomains?: string[] });
 * absent means invitation only. Refuses anything else with `organization.settings_invalid`,
 * so a typo cannot open sign-up to the world or silently close it.
 */
export function resolveSignupSettings(settings: Record<string, unknown> | null | undefined): SignupSettings {
  const value = settings?.signup;
  if (value === undefined) return { ...DEFAULT_SIGNUP_SETTINGS };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`must be an object, got ${JSON.stringify(value)}`);
  const unknown = Object.keys(value).filter((k) => k !== 'mode' && k !== 'allowedDomains');
  if (unknown.length > 0) throw invalid(`has unknown field(s) ${unknown.join(', ')}, expected mode, allowedDomains`);
  const { mode, allowedDomains } = value as { mode?: unknown; allowedDomains?: unknown };
  if (!(SIGNUP_MODES as readonly unknown[]).includes(mode)) throw invalid(`mode must be one of ${SIGNUP_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  if (allowedDomains === undefined) return { mode: mode as SignupMode, allowedDomains: null };
  if (!Array.isArray(allowedDomains) || allowedDomains.length === 0 || allowedDomains.length > MAX_DOMAINS) {
    throw invalid(`allowedDomains must be a list of 1 to ${MAX_DOMAINS} domains, got ${JSON.stringify(allowedDomains).slice(0, 200)}`);
  }
  // Lower case only: a stored "Acme.com" would be a second spelling of a rule that compares lower-cased addresses.
  const bad = allowedDomains.filter((d) => typeof d !== 'string' || !DOMAIN.test(d));
  if (bad.length > 0) throw invalid(`allowedDomains must be lower-case domain names such as "acme.com", got ${JSON.stringify(bad).slice(0, 200)}`);
  return { mode: mode as SignupMode, allowedDomains: [...new Set(allowedDomains as string[])] };
}

/** Whether open sign-up accepts this (lower-cased) address: exact domain match, subdomains are not included. */
export function isSignupDomainAllowed(signup: SignupSettings, email: string): boolean {
  if (signup.allowedDomains === null) return true;
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return signup.allowedDomains.includes(domain);
}
