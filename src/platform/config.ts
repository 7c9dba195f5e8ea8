import { resolve } from 'node:path';
import { KeyledgerError } from './errors.ts';
import { detectionSettingsFrom, type DetectionSettings } from '../monitor/detections/detection-settings.ts';

/** Everything the server and the CLI read from the environment, resolved once. */
export interface Config {
  dataDir: string;
  databaseUrl: string | null;
  sqliteFile: string;
  port: number;
  host: string;
  publicUrl: string;
  masterKey: string | null;
  logLevel: string;
  /** How often the sequencer integrates new events and signs a checkpoint. */
  sequencerIntervalMs: number;
  /** On SIGTERM, how long /readyz answers 503 (draining) before the listener closes, so a load balancer stops sending first. */
  drainSeconds: number;
  /** The organization whose members administer Keyledger through the console (their roles' `keyledger:*` permissions are their API scopes). */
  operatorOrg: string;
  /** How long a passkey proof lets a console user make changes (RFC 9470 max_age of the step-up). */
  consoleStepUpSeconds: number;
  bodyLimitBytes: number;
  /** Take the client address from X-Forwarded-For (only behind the deployment's own proxy). */
  trustProxy: boolean;
  /** SMTP server for outgoing mail (smtp:// or smtps://, credentials in the URL); null keeps mail in the dev outbox. */
  smtpUrl: string | null;
  /** The From address of outgoing mail. */
  mailFrom: string;
  /** The WebAuthn relying party id passkeys are bound to: the public URL's host, or a parent domain of every origin. */
  webauthnRpId: string;
  /** The origins (scheme://host[:port]) WebAuthn ceremonies may come from; the public URL's origin by default. */
  webauthnOrigins: string[];
  /** Redis (redis:// or rediss://) for rate limits shared by several nodes; null when none. */
  redisUrl: string | null;
  /** DNS servers (host or host:port) that SSO domain verification asks for TXT records; null uses the system's resolver. */
  dnsServers: string[] | null;
  /** Account lockout after repeated failed sign-ins (counted with the injected clock). */
  lockout: LockoutConfig;
  /** Per-IP throttling of sign-in attempts (rate-limiter-flexible, real time). */
  rateLimit: RateLimitConfig;
  /** Security detection thresholds and the GeoIP source (KEYLEDGER_DETECT_*, KEYLEDGER_GEOIP=bundled; see docs/detections.md). */
  detections: DetectionSettings;
}

export interface LockoutConfig {
  /** Failures within the window that lock the account (KEYLEDGER_LOCKOUT_THRESHOLD, default 10). */
  threshold: number;
  /** The sliding window failures are counted in (KEYLEDGER_LOCKOUT_WINDOW_MINUTES, default 15). */
  windowMinutes: number;
  /** How long a lock lasts unless lifted earlier (KEYLEDGER_LOCKOUT_DURATION_MINUTES, default 15). */
  durationMinutes: number;
}

export type RateLimitStore = 'memory' | 'postgres' | 'redis';

export interface RateLimitConfig {
  /** Where counters live: one process (memory) or shared by every node (postgres, redis); null picks by deployment (see resolveRateLimitStore). */
  store: RateLimitStore | null;
  /** Prefix of every counter key, so deployments can share one Redis. */
  keyPrefix: string;
  /** Failed sign-ins from one IP within 15 minutes before the IP is blocked for 15 minutes. */
  ipFailures: number;
  /** Distinct accounts failing from one IP within 15 minutes (credential stuffing) before the IP is blocked. */
  ipAccounts: number;
  /** Consecutive failures from one IP on one account before each further one imposes a doubling wait. */
  backoffAfter: number;
}

type Env = Record<string, string | undefined>;

/** Reads the configuration; flags given on the command line win over the environment. */
export function loadConfig(env: Env = process.env, overrides: Partial<Pick<Config, 'dataDir' | 'port' | 'host'>> = {}): Config {
  const dataDir = resolve(overrides.dataDir ?? env.KEYLEDGER_DATA_DIR ?? './data');
  const port = overrides.port ?? parsePort(env.PORT ?? '8080');
  const publicUrl = (env.KEYLEDGER_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new KeyledgerError('config.invalid', `KEYLEDGER_PUBLIC_URL "${publicUrl}" is not an absolute URL`);
  }
  const databaseUrl = env.DATABASE_URL && env.DATABASE_URL.length > 0 ? env.DATABASE_URL : null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new KeyledgerError('config.invalid', `DATABASE_URL must start with postgres:// (got "${databaseUrl.split(':')[0]}:")`);
  }
  const redisUrl = parseRedisUrl(env.REDIS_URL);
  return {
    dataDir,
    databaseUrl,
    sqliteFile: resolve(dataDir, 'keyledger.db'),
    port,
    host: overrides.host ?? env.KEYLEDGER_HOST ?? '127.0.0.1',
    publicUrl,
    masterKey: env.KEYLEDGER_MASTER_KEY ?? null,
    logLevel: env.LOG_LEVEL ?? 'info',
    sequencerIntervalMs: parsePositiveInt(env.KEYLEDGER_SEQUENCER_INTERVAL_MS ?? '1000', 'KEYLEDGER_SEQUENCER_INTERVAL_MS'),
    drainSeconds: env.KEYLEDGER_DRAIN_SECONDS === undefined || env.KEYLEDGER_DRAIN_SECONDS === '0' ? 0 : parsePositiveInt(env.KEYLEDGER_DRAIN_SECONDS, 'KEYLEDGER_DRAIN_SECONDS'),
    operatorOrg: env.KEYLEDGER_OPERATOR_ORG ?? 'keyledger',
    consoleStepUpSeconds: parsePositiveInt(env.KEYLEDGER_CONSOLE_STEP_UP_SECONDS ?? '900', 'KEYLEDGER_CONSOLE_STEP_UP_SECONDS'),
    bodyLimitBytes: parsePositiveInt(env.KEYLEDGER_BODY_LIMIT_BYTES ?? String(256 * 1024), 'KEYLEDGER_BODY_LIMIT_BYTES'),
    trustProxy: env.KEYLEDGER_TRUST_PROXY === 'true',
    smtpUrl: parseSmtpUrl(env.KEYLEDGER_SMTP_URL),
    mailFrom: env.KEYLEDGER_MAIL_FROM ?? `Keyledger <no-reply@${new URL(publicUrl).hostname}>`,
    ...parseWebauthn(env, new URL(publicUrl)),
    redisUrl,
    dnsServers: env.KEYLEDGER_DNS_SERVERS ? env.KEYLEDGER_DNS_SERVERS.split(',').map((s) => s.trim()).filter(Boolean) : null,
    lockout: {
      threshold: parsePositiveInt(env.KEYLEDGER_LOCKOUT_THRESHOLD ?? '10', 'KEYLEDGER_LOCKOUT_THRESHOLD'),
      windowMinutes: parsePositiveInt(env.KEYLEDGER_LOCKOUT_WINDOW_MINUTES ?? '15', 'KEYLEDGER_LOCKOUT_WINDOW_MINUTES'),
      durationMinutes: parsePositiveInt(env.KEYLEDGER_LOCKOUT_DURATION_MINUTES ?? '15', 'KEYLEDGER_LOCKOUT_DURATION_MINUTES'),
    },
    rateLimit: {
      store: parseRateLimitStore(env.KEYLEDGER_RATE_LIMIT_STORE, redisUrl),
      keyPrefix: parseKeyPrefix(env.KEYLEDGER_RATE_LIMIT_PREFIX ?? 'keyledger'),
      ipFailures: parsePositiveInt(env.KEYLEDGER_RATE_LIMIT_IP_FAILURES ?? '100', 'KEYLEDGER_RATE_LIMIT_IP_FAILURES'),
      ipAccounts: parsePositiveInt(env.KEYLEDGER_RATE_LIMIT_IP_ACCOUNTS ?? '20', 'KEYLEDGER_RATE_LIMIT_IP_ACCOUNTS'),
      backoffAfter: parsePositiveInt(env.KEYLEDGER_RATE_LIMIT_BACKOFF_AFTER ?? '5', 'KEYLEDGER_RATE_LIMIT_BACKOFF_AFTER'),
    },
    detections: detectionSettingsFrom(env),
  };
}

/**
 * The relying party id and allowed origins of passkeys: by default the public
 * URL's host and origin. A browser only lets an origin use an RP id that is
 * its host or a parent domain of it, so overrides that break this rule would
 * make every ceremony fail: refused at start instead.
 */
function parseWebauthn(env: Env, publicUrl: URL): Pick<Config, 'webauthnRpId' | 'webauthnOrigins'> {
  const rpId = (env.KEYLEDGER_WEBAUTHN_RP_ID ?? publicUrl.hostname).trim().toLowerCase();
  const origins = env.KEYLEDGER_WEBAUTHN_ORIGINS !== undefined ? env.KEYLEDGER_WEBAUTHN_ORIGINS.split(',').map((o) => o.trim()).filter((o) => o.length > 0) : [publicUrl.origin];
  if (env.KEYLEDGER_WEBAUTHN_RP_ID !== undefined && !/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/.test(rpId)) throw new KeyledgerError('config.invalid', `KEYLEDGER_WEBAUTHN_RP_ID must be a host name (got "${rpId}")`);
  if (origins.length === 0) throw new KeyledgerError('config.invalid', 'KEYLEDGER_WEBAUTHN_ORIGINS lists no origin');
  for (const origin of origins) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new KeyledgerError('config.invalid', `KEYLEDGER_WEBAUTHN_ORIGINS: "${origin}" is not an absolute URL`);
    }
    // The browser reports the origin exactly (no path, no trailing slash); anything else would never match.
    if (url.origin !== origin) throw new KeyledgerError('config.invalid', `KEYLEDGER_WEBAUTHN_ORIGINS: "${origin}" is not an origin (expected "${url.origin}")`);
    if (url.hostname !== rpId && !url.hostname.endsWith(`.${rpId}`)) throw new KeyledgerError('config.invalid', `WebAuthn RP id "${rpId}" is neither the host of origin "${origin}" nor a parent domain of it`);
  }
  return { webauthnRpId: rpId, webauthnOrigins: origins };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new KeyledgerError('config.invalid', `PORT must be an integer from 0 to 65535 (got "${value}")`);
  }
  return port;
}

function parsePositiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new KeyledgerError('config.invalid', `${name} must be a positive integer (got "${value}")`);
  return n;
}

function parseSmtpUrl(value: string | undefined): string | null {
  if (!value) return null;
  if (!/^smtps?:\/\/[^/]/.test(value)) throw new KeyledgerError('config.invalid', `KEYLEDGER_SMTP_URL must start with smtp:// or smtps:// (got "${value.split(':')[0]}:")`);
  return value;
}

function parseRedisUrl(value: string | undefined): string | null {
  if (!value) return null;
  if (!/^rediss?:\/\/[^/]/.test(value)) throw new KeyledgerError('config.invalid', `REDIS_URL must start with redis:// or rediss:// (got "${value.split(':')[0]}:")`);
  return value;
}

function parseRateLimitStore(value: string | undefined, redisUrl: string | null): RateLimitStore | null {
  if (!value) return null;
  if (value !== 'memory' && value !== 'postgres' && value !== 'redis') throw new KeyledgerError('config.invalid', `KEYLEDGER_RATE_LIMIT_STORE must be memory, postgres or redis (got "${value}")`);
  // A shared store that is not there would silently fall back to per-process counters.
  if (value === 'redis' && !redisUrl) throw new KeyledgerError('config.invalid', 'KEYLEDGER_RATE_LIMIT_STORE=redis needs REDIS_URL');
  return value;
}

/**
 * The store rate limits use on a database of `dialect`: the configured one, or
 * Redis when REDIS_URL is set, PostgreSQL on PostgreSQL, else this process's
 * memory. Throws `config.invalid` for the PostgreSQL store on SQLite.
 */
export function resolveRateLimitStore(config: Pick<Config, 'rateLimit' | 'redisUrl'>, dialect: 'sqlite' | 'postgres'): RateLimitStore {
  const store = config.rateLimit.store ?? (config.redisUrl ? 'redis' : dialect === 'postgres' ? 'postgres' : 'memory');
  if (store === 'postgres' && dialect !== 'postgres') throw new KeyledgerError('config.invalid', 'KEYLEDGER_RATE_LIMIT_STORE=postgres needs DATABASE_URL=postgres://…');
  return store;
}

function parseKeyPrefix(value: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(value)) throw new KeyledgerError('config.invalid', `KEYLEDGER_RATE_LIMIT_PREFIX must be 1 to 64 letters, digits, ".", "_" or "-" (got "${value}")`);
  return value;
}
