import type { Db } from '../../platform/database.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { CommandRunner, CommandScope } from '../../audit/command-runner.ts';
import type { IdentityService } from '../../identity/service.ts';
import type { AccessService } from '../service.ts';

/** A message to people (reviewers, owners), delivered by the notifications capability when it is wired. */
export interface Notification {
  orgId: string;
  type: string;
  recipients: Array<{ userId: string }>;
  subject: string;
  text: string;
  data: Record<string, unknown>;
}

/** Sends a notification inside the running command (so it goes only if the command commits). */
export type Notify = (scope: CommandScope, n: Notification) => Promise<void>;

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

/** Thrown inside a command that found its work already done by another run: rolls the attempt back, silently. */
export class NothingToDo extends Error {}
