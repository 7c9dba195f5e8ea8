import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Db, Dialect } from '../database.ts';
import { KeyledgerError } from '../errors.ts';
import { foundationMigration } from './2026-11-28-foundation.ts';
import { ledgerRefuseReplaceMigration } from './2026-11-28-ledger-refuse-replace.ts';
import { sessionsMigration } from './2026-11-28-sessions.ts';
import { authnMigration } from './2026-11-28-authn.ts';
import { mailOutboxMigration } from './2026-11-28-mail-outbox.ts';
import { passkeysMigration } from './2026-11-28-passkeys.ts';
import { roleMfaPolicyMigration } from './2026-11-28-role-mfa-policy.ts';
import { lockoutsMigration } from './2026-11-28-lockouts.ts';
import { enrollmentMigration } from './2026-11-28-enrollment.ts';
import { oidcStoreMigration } from './2026-11-29-oidc-store.ts';
import { oidcApplicationsMigration } from './2026-11-29-oidc-applications.ts';
import { serviceAccountCredentialsMigration } from './2026-11-29-service-account-credentials.ts';
import { scimDirectoriesMigration } from './2026-11-29-scim-directories.ts';
import { lifecycleMigration } from './2026-11-29-lifecycle.ts';
import { scimIndexesMigration } from './2026-11-29-scim-indexes.ts';
import { ssoConnectionsMigration } from './2026-11-30-sso-connections.ts';
import { roleGovernanceMigration } from './2026-11-30-role-governance.ts';
import { schedulerNotificationsMigration } from './2026-11-30-scheduler-notifications.ts';
import { ssoDomainClaimsMigration } from './2026-11-30-sso-domain-claims.ts';
import { ssoTestLinksMigration } from './2026-12-01-sso-test-links.ts';
import { evidenceExportsMigration } from './2026-11-30-evidence-exports.ts';
import { detectionsIncidentsMigration } from './2026-11-30-detections-incidents.ts';
import { elevationMigration } from './2026-11-30-elevation.ts';
import { accessApprovalsMigration } from './2026-11-30-access-approvals.ts';
import { accessReviewsMigration } from './2026-11-30-access-reviews.ts';
import { monitorFindingsMigration } from './2026-11-30-monitor-findings.ts';
import { siemDestinationsMigration } from './2026-11-30-siem-destinations.ts';

/** Every migration, in order. Never edit one that has landed; add a new one. */
export function listMigrations(dialect: Dialect): Record<string, Migration> {
  return {
    '2026-11-28-0001-foundation': foundationMigration(dialect),
    '2026-11-28-0002-ledger-refuse-replace': ledgerRefuseReplaceMigration(dialect),
    '2026-11-28-0003-sessions': sessionsMigration(dialect),
    '2026-11-28-0004-authn': authnMigration(dialect),
    '2026-11-28-0005-mail-outbox': mailOutboxMigration(dialect),
    '2026-11-28-0006-passkeys': passkeysMigration(dialect),
    '2026-11-28-0007-lockouts': lockoutsMigration(dialect),
    '2026-11-28-0008-enrollment': enrollmentMigration(dialect),
    '2026-11-28-0009-role-mfa-policy': roleMfaPolicyMigration(dialect),
    '2026-11-29-0010-service-account-credentials': serviceAccountCredentialsMigration(dialect),
    '2026-11-29-0011-oidc-applications': oidcApplicationsMigration(dialect),
    '2026-11-29-0012-oidc-store': oidcStoreMigration(dialect),
    '2026-11-29-0013-scim-directories': scimDirectoriesMigration(dialect),
    '2026-11-29-0014-lifecycle': lifecycleMigration(dialect),
    '2026-11-29-0015-scim-indexes': scimIndexesMigration(dialect),
    '2026-11-30-0016-sso-connections': ssoConnectionsMigration(dialect),
    '2026-11-30-0017-role-governance': roleGovernanceMigration(dialect),
    '2026-11-30-0018-access-approvals': accessApprovalsMigration(dialect),
    '2026-11-30-0019-elevation': elevationMigration(dialect),
    '2026-11-30-0020-access-reviews': accessReviewsMigration(dialect),
    '2026-11-30-0021-scheduler-notifications': schedulerNotificationsMigration(dialect),
    '2026-11-30-0022-siem-destinations': siemDestinationsMigration(dialect),
    '2026-11-30-0023-monitor-findings': monitorFindingsMigration(dialect),
    '2026-11-30-0024-detections-incidents': detectionsIncidentsMigration(dialect),
    '2026-11-30-0025-sso-domain-claims': ssoDomainClaimsMigration(dialect),
    '2026-11-30-0026-evidence-exports': evidenceExportsMigration(dialect),
    '2026-12-01-0027-sso-test-links': ssoTestLinksMigration(dialect),
  };
}

function createMigrator(db: Db, dialect: Dialect): Migrator {
  const provider: MigrationProvider = { getMigrations: async () => listMigrations(dialect) };
  return new Migrator({ db, provider, migrationTableName: 'keyledger_migrations', migrationLockTableName: 'keyledger_migrations_lock' });
}

/** Brings the schema to the newest version; safe to run on every start and from several nodes. */
export async function migrateToLatest(db: Db, dialect: Dialect): Promise<string[]> {
  const result: MigrationResultSet = await createMigrator(db, dialect).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new KeyledgerError('internal', `migration ${failed} failed: ${(result.error as Error).message ?? result.error}`);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of migrations not yet applied (empty when the schema is current). */
export async function pendingMigrations(db: Db, dialect: Dialect): Promise<string[]> {
  const all = await createMigrator(db, dialect).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
