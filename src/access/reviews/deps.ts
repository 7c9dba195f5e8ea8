import type { NotifyInScope } from '../../notify/service.ts';
import type { Db } from '../../platform/database.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { CommandRunner, CommandScope } from '../../audit/command-runner.ts';
import type { IdentityService } from '../../identity/service.ts';
import type { AccessService } from '../service.ts';

export type { Notification } from '../../notify/service.ts';
export type Notify = NotifyInScope;

export interface ReviewDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  identity: IdentityService;
  access: AccessService;
  logger?: Logger;
  /** Optional: without it, nobody is told (the ledger still records everything). */
  notify?: Notify;
}

/** Thrown inside a command that found its work already handled (by another run, or nothing due): rolls the attempt back, silently. */
export class AlreadyHandled extends Error {}
