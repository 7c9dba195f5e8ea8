import { ERROR_CATALOGUE, isKeyledgerError, type ErrorCode } from '../platform/errors.ts';

/** Prints a result as JSON (--json) or as text for people. */
export function emit(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : text() + '\n');
}

/** Errors go to stderr with their stable code; the exit code is 1 for refusals, 2 for usage, 70 for internal faults. */
export function fail(json: boolean, err: unknown): never {
  const code: ErrorCode = isKeyledgerError(err) ? err.code : 'internal';
  const message = err instanceof Error ? err.message : String(err);
  if (json) process.stdout.write(JSON.stringify({ error: { code, message } }, null, 2) + '\n');
  process.stderr.write(`keyledger: ${code}: ${message}\n`);
  process.exit(ERROR_CATALOGUE[code].status < 500 ? 1 : 70);
}

/**
 * Wraps a command's action: whatever it throws leaves through `fail`, with its
 * stable code and exit status (JSON on stdout when the command got --json).
 * Commander passes the options object second to last.
 */
export function handled<A extends unknown[]>(body: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await body(...args);
    } catch (err) {
      fail(Boolean((args[args.length - 2] as { json?: boolean } | undefined)?.json), err);
    }
  };
}
