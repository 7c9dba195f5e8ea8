import { isKeyledgerError } from '../../src/platform/errors.ts';
import type { Runtime } from '../../src/runtime.ts';
import type { LedgerEvent } from '../../src/audit/event.ts';

/** The error a synchronous call throws; fails the test when it does not throw. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

/** The catalogue code a synchronous call throws, or undefined when it returns (for tables of accepted and refused inputs). */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!isKeyledgerError(err)) throw err;
    return err.code;
  }
}

/** What a refused call threw, as a plain object (code, message, status, details); fails the test when it does not refuse with a KeyledgerError. */
export async function refusalOf(p: Promise<unknown>): Promise<{ code: string; message: string; status: number; details?: unknown }> {
  try {
    await p;
  } catch (err) {
    if (isKeyledgerError(err)) return { code: err.code, message: err.message, status: err.status, details: err.details };
    throw err;
  }
  throw new Error('expected a refusal');
}

/**
 * A reader of the ledger's newest events: each call returns the events
 * appended since the previous call (all of them on the first).
 */
export function eventTail(runtime: () => Runtime): () => Promise<LedgerEvent[]> {
  let seq = 0;
  return async () => {
    const { events } = await runtime().ledger.listEvents({}, { limit: 5000 });
    const fresh = events.filter((e) => e.seq >= seq);
    seq = events.length;
    return fresh;
  };
}
