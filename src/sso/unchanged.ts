import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';

/** Thrown inside a command that found nothing to change: it rolls back (a command must record an event) and the caller gets `value`. */
export class Unchanged<T> extends Error {
  constructor(readonly value: T) {
    super('nothing to change');
  }
}

/**
 * Runs a command that may find nothing to change (a link already revoked, a
 * domain already verified, a certificate already trusted): it then throws
 * `Unchanged(value)` and this returns `value`, having committed and recorded
 * nothing.
 */
export async function runUnlessUnchanged<T>(runner: CommandRunner, ctx: CommandContext, body: (scope: CommandScope) => Promise<T>): Promise<T> {
  try {
    return (await runner.run(ctx, body)).result;
  } catch (err) {
    if (err instanceof Unchanged) return err.value as T;
    throw err;
  }
}
