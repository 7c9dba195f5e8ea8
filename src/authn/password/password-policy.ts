import { createRequire } from 'node:module';
import { ZxcvbnFactory, type OptionsType } from '@zxcvbn-ts/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';
import * as zxcvbnEn from '@zxcvbn-ts/language-en';
import { PasswordError } from './errors.ts';
import { countPasswordCodePoints, normalizePassword } from './normalize-password.ts';

/**
 * Password rules after NIST SP 800-63B-4 §3.1.1.2: a length floor and ceiling
 * counted in code points after NFKC, a blocklist (common and breached
 * passwords, dictionary-derived guesses, context words), and nothing else —
 * no composition rules, no periodic rotation.
 */
export interface PasswordPolicy {
  /** At least 12; 8 is allowed only when every login also needs a second factor. */
  minLength: number;
  /** At least 64, so passphrases fit. */
  maxLength: number;
  /** Whether passwords are only ever used together with a second factor. */
  mfaRequired: boolean;
}

/** The policy in force when an organization configures none. */
export const DEFAULT_PASSWORD_POLICY: Readonly<PasswordPolicy> = Object.freeze({ minLength: 12, maxLength: 128, mfaRequired: false });

/** What is known about the person choosing the password, for the context-word check. Words shorter than 4 characters are ignored. */
export interface PasswordContext {
  email?: string | null;
  name?: string | null;
  organizationName?: string | null;
  organizationSlug?: string | null;
}

export type PasswordViolationCode =
  | 'authn.password_too_short'
  | 'authn.password_too_long'
  | 'authn.password_breached_or_common'
  | 'authn.password_contains_context'
  | 'authn.password_too_weak';

export interface PasswordViolation<C extends string = PasswordViolationCode> {
  code: C;
  message: string;
}

/** The verdict of a check: `ok`, or every rule broken, each with a stable code and a message for the user. */
export type PasswordCheckResult<C extends string = PasswordViolationCode> = { ok: true } | { ok: false; violations: PasswordViolation<C>[] };

export interface PasswordPolicyEvaluatorOptions {
  /** zxcvbn dictionaries by name; default: @zxcvbn-ts/language-common and -en, plus WELL_KNOWN_PASSPHRASES. */
  dictionaries?: Record<string, readonly string[]>;
  /** Passwords refused on exact (NFKC, case-insensitive) match; default: the language-common password list plus WELL_KNOWN_PASSPHRASES. */
  blocklist?: Iterable<string>;
}

export interface PasswordPolicyEvaluator {
  /** Checks a password against a policy; throws `authn.password_policy_invalid` if the policy itself is invalid. */
  evaluatePassword(password: string, policy: PasswordPolicy, context?: PasswordContext): PasswordCheckResult;
}

/** Famous example passphrases every cracking wordlist carries but the zxcvbn lists do not (zxcvbn alone scores them 4 of 4). */
export const WELL_KNOWN_PASSPHRASES: readonly string[] = Object.freeze([
  'correcthorsebatterystaple',
  'correct horse battery staple',
  'tr0ub4dor&3',
  'thequickbrownfoxjumpsoverthelazydog',
  'the quick brown fox jumps over the lazy dog',
  'loremipsumdolorsitamet',
  'lorem ipsum dolor sit amet',
]);

const NIST_MIN_LENGTH = 8;
const SINGLE_FACTOR_MIN_LENGTH = 12;
const NIST_MAX_LENGTH_FLOOR = 64;
const MIN_STRENGTH_SCORE = 3;
const MIN_CONTEXT_WORD_LENGTH = 4;
const SERVICE_NAME = 'keyledger';
/** zxcvbn scores only the first 40 UTF-16 units: its matching cost grows with the square of the length (a random 128-character password took over a second at the default 256). */
const ZXCVBN_MAX_LENGTH = 40;
/** Caps the l33t substitutions zxcvbn tries; the default (100) costs seconds on symbol-heavy input, and 4 scored our l33t samples ("P@$$w0rd1234", "m0nk3y123456") the same. */
const ZXCVBN_L33T_MAX_SUBSTITUTIONS = 4;

const COMMON_PASSWORDS = zxcvbnCommon.dictionary['passwords-common'];
const DEFAULT_DICTIONARIES: Record<string, readonly string[]> = {
  ...zxcvbnCommon.dictionary,
  ...zxcvbnEn.dictionary,
  'keyledger-well-known': WELL_KNOWN_PASSPHRASES,
};

const fold = (text: string): string => normalizePassword(text).toLowerCase();

/**
 * Checks a policy against the NIST floors: minimum ≥ 12 unless MFA is
 * required (then ≥ 8), maximum ≥ 64 and ≥ the minimum, whole numbers only.
 * Returns every broken rule under `authn.password_policy_invalid`.
 */
export function validatePasswordPolicy(policy: PasswordPolicy): PasswordCheckResult<'authn.password_policy_invalid'> {
  const violations: PasswordViolation<'authn.password_policy_invalid'>[] = [];
  const fail = (message: string) => violations.push({ code: 'authn.password_policy_invalid', message });
  const { minLength, maxLength, mfaRequired } = policy;
  // Protects against NaN, fractions and strings slipping in from configuration, which every comparison below would mis-handle.
  if (!Number.isInteger(minLength)) fail(`minLength must be a whole number, got ${JSON.stringify(minLength)}`);
  if (!Number.isInteger(maxLength)) fail(`maxLength must be a whole number, got ${JSON.stringify(maxLength)}`);
  if (typeof mfaRequired !== 'boolean') fail(`mfaRequired must be true or false, got ${JSON.stringify(mfaRequired)}`);
  if (violations.length > 0) return { ok: false, violations };
  // Protects against a floor below NIST's absolute minimum, even with a second factor.
  if (minLength < NIST_MIN_LENGTH) fail(`minLength is ${minLength}, expected at least ${NIST_MIN_LENGTH}`);
  // Protects against short passwords standing alone: below 12 is allowed only when a second factor is always required.
  else if (minLength < SINGLE_FACTOR_MIN_LENGTH && !mfaRequired) fail(`minLength is ${minLength}, expected at least ${SINGLE_FACTOR_MIN_LENGTH} unless MFA is required`);
  // Protects against ceilings that cut off passphrases (NIST: permit at least 64).
  if (maxLength < NIST_MAX_LENGTH_FLOOR) fail(`maxLength is ${maxLength}, expected at least ${NIST_MAX_LENGTH_FLOOR}`);
  // Protects against a policy no password can satisfy.
  if (maxLength < minLength) fail(`maxLength ${maxLength} is below minLength ${minLength}`);
  return violations.length > 0 ? { ok: false, violations } : { ok: true };
}

/** The context words (folded, ≥ 4 code points) a password may not contain, each with what it is, for the message. */
function collectContextWords(context: PasswordContext): Map<string, string> {
  const words = new Map<string, string>();
  const add = (word: string | undefined, source: string) => {
    const folded = fold(word ?? '').trim();
    if (countPasswordCodePoints(folded) >= MIN_CONTEXT_WORD_LENGTH && !words.has(folded)) words.set(folded, source);
  };
  add(SERVICE_NAME, 'the name of this service');
  const email = context.email ?? '';
  const localPart = email.includes('@') ? email.slice(0, email.lastIndexOf('@')) : email;
  add(localPart, 'part of your email address');
  for (const part of localPart.split(/[._+\-]+/)) add(part, 'part of your email address');
  add(context.name ?? '', 'your name');
  add((context.name ?? '').replace(/\s+/g, ''), 'your name');
  for (const part of (context.name ?? '').split(/[\s.,'’\-]+/u)) add(part, 'part of your name');
  add(context.organizationName ?? '', "your organization's name");
  add((context.organizationName ?? '').replace(/\s+/g, ''), "your organization's name");
  add(context.organizationSlug ?? '', "your organization's short name");
  add((context.organizationSlug ?? '').replace(/[-_]+/g, ''), "your organization's short name");
  return words;
}

/**
 * Builds an evaluator around one zxcvbn setup (building the ranked
 * dictionaries takes a few hundred milliseconds, so build once and reuse).
 * Pass your own `dictionaries` and `blocklist` to test with small lists.
 */
export function createPasswordPolicyEvaluator(options: PasswordPolicyEvaluatorOptions = {}): PasswordPolicyEvaluator {
  const dictionaries = options.dictionaries ?? DEFAULT_DICTIONARIES;
  const zxcvbnOptions: OptionsType = {
    dictionary: Object.fromEntries(Object.entries(dictionaries).map(([name, words]) => [name, [...words]])),
    graphs: zxcvbnCommon.adjacencyGraphs,
    translations: zxcvbnEn.translations,
    maxLength: ZXCVBN_MAX_LENGTH,
    l33tMaxSubstitutions: ZXCVBN_L33T_MAX_SUBSTITUTIONS,
  };
  const zxcvbn = new ZxcvbnFactory(zxcvbnOptions);
  const blocklist = new Set<string>();
  for (const word of options.blocklist ?? [...COMMON_PASSWORDS, ...WELL_KNOWN_PASSPHRASES]) blocklist.add(fold(word));

  function evaluatePassword(password: string, policy: PasswordPolicy, context: PasswordContext = {}): PasswordCheckResult {
    const policyCheck = validatePasswordPolicy(policy);
    // Protects against evaluating under a policy that breaks the NIST floors (it should have been refused when saved).
    if (!policyCheck.ok) {
      throw new PasswordError('authn.password_policy_invalid', `password policy is invalid: ${policyCheck.violations.map((v) => v.message).join('; ')}`, { violations: policyCheck.violations });
    }
    const normalized = normalizePassword(password);
    const length = countPasswordCodePoints(normalized);
    // Protects against oversized input reaching the strength estimator; nothing else matters once it is too long.
    if (length > policy.maxLength) {
      return { ok: false, violations: [{ code: 'authn.password_too_long', message: `password is ${length} characters long, expected at most ${policy.maxLength}` }] };
    }
    const violations: PasswordViolation[] = [];
    // Protects against passwords short enough to exhaust by brute force.
    if (length < policy.minLength) {
      violations.push({ code: 'authn.password_too_short', message: `password is ${length} characters long, expected at least ${policy.minLength}` });
    }
    const folded = normalized.toLowerCase();
    // Protects against passwords from breach corpora and common-password lists, tried first by every attacker.
    const listed = blocklist.has(folded);
    if (listed) violations.push({ code: 'authn.password_breached_or_common', message: 'password is on the list of common and breached passwords' });
    const contextWords = collectContextWords(context);
    // Protects against passwords built from what an attacker targeting this user already knows.
    for (const [word, source] of contextWords) {
      if (folded.includes(word)) violations.push({ code: 'authn.password_contains_context', message: `password contains "${word}", which is ${source}` });
    }
    // Protects against dictionary words, keyboard walks, repeats, sequences, dates and l33t variants of listed passwords.
    if (!listed) {
      const estimate = zxcvbn.check(normalized, [...contextWords.keys()]);
      if (estimate.score < MIN_STRENGTH_SCORE) {
        const hint = estimate.feedback.warning ? ` (${estimate.feedback.warning})` : '';
        violations.push({ code: 'authn.password_too_weak', message: `password is too easy to guess: strength ${estimate.score} of 4, expected at least ${MIN_STRENGTH_SCORE}${hint}` });
      }
    }
    return violations.length > 0 ? { ok: false, violations } : { ok: true };
  }

  return { evaluatePassword };
}

let defaultEvaluator: PasswordPolicyEvaluator | null = null;

/** Checks a password with the default dictionaries and blocklist (built on first use, then reused); see PasswordPolicyEvaluator. */
export function evaluatePassword(password: string, policy: PasswordPolicy, context: PasswordContext = {}): PasswordCheckResult {
  defaultEvaluator ??= createPasswordPolicyEvaluator();
  return defaultEvaluator.evaluatePassword(password, policy, context);
}

/** The password policy in force, in plain JSON, as the API shows it to administrators and auditors. */
export function describePasswordPolicy(policy: PasswordPolicy) {
  const version = (pkg: string): string => (createRequire(import.meta.url)(`${pkg}/package.json`) as { version: string }).version;
  return {
    standard: 'NIST SP 800-63B-4, section 3.1.1.2 (password verifiers)',
    minLength: policy.minLength,
    maxLength: policy.maxLength,
    mfaRequired: policy.mfaRequired,
    lengthRule: policy.mfaRequired
      ? `at least ${policy.minLength} characters; a minimum below ${SINGLE_FACTOR_MIN_LENGTH} is allowed because every login also requires a second factor`
      : `at least ${policy.minLength} characters; passwords may be used as a single factor, so the minimum cannot be set below ${SINGLE_FACTOR_MIN_LENGTH}`,
    lengthUnit: 'Unicode code points, counted after NFKC normalization',
    normalization: 'Unicode NFKC, applied before length counting, blocklist checks and hashing; passwords are never truncated',
    acceptedCharacters: 'all printable ASCII characters, the space character, and Unicode characters',
    compositionRules: 'none: no required mix of upper case, lower case, digits or symbols',
    rotation: 'no forced periodic rotation; a change is required only on evidence of compromise',
    blocklist: [
      {
        source: 'common and breached passwords',
        lists: [`@zxcvbn-ts/language-common@${version('@zxcvbn-ts/language-common')} passwords-common (${COMMON_PASSWORDS.length} entries)`, `well-known example passphrases (${WELL_KNOWN_PASSPHRASES.length} entries)`],
        rule: 'refused when equal to an entry, ignoring case, after NFKC',
      },
      {
        source: 'strength estimate against dictionaries',
        lists: [`@zxcvbn-ts/core@${version('@zxcvbn-ts/core')}`, `@zxcvbn-ts/language-common@${version('@zxcvbn-ts/language-common')}`, `@zxcvbn-ts/language-en@${version('@zxcvbn-ts/language-en')}`],
        rule: `refused when the zxcvbn score is below ${MIN_STRENGTH_SCORE} of 4 (dictionary words, names, keyboard patterns, repeats, sequences, dates, l33t variants)`,
      },
      {
        source: 'context-specific words',
        lists: ['email address local part and its parts', 'user name and its parts', 'organization name and slug', `"${SERVICE_NAME}"`],
        rule: `refused when the password contains one, ignoring case; words shorter than ${MIN_CONTEXT_WORD_LENGTH} characters are ignored`,
      },
    ],
  };
}
