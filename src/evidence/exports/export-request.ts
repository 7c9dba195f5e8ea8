import { KeyledgerError } from '../../platform/errors.ts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
const POPULATION = /^[A-Za-z0-9.-]+\/[a-z0-9-]+$/;
export const MAX_SAMPLE_SIZE = 1_000;

/**
 * A closed window [from, to): two RFC 3339 times (or dates, read as midnight
 * UTC), `from` before `to`, and `to` not in the future — evidence covers
 * what has happened. Returns both as ISO strings.
 */
export function checkWindow(from: string, to: string, now: Date): { from: string; to: string } {
  const parse = (name: string, value: string) => {
    const t = RFC3339.test(value) ? Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value) : Number.NaN;
    if (!Number.isFinite(t)) throw new KeyledgerError('evidence.invalid_window', `"${name}" must be an RFC 3339 time or a date (YYYY-MM-DD), got "${value}"`);
    return t;
  };
  const a = parse('from', from);
  const b = parse('to', to);
  if (a >= b) throw new KeyledgerError('evidence.invalid_window', `"from" (${from}) must be before "to" (${to})`);
  if (b > now.getTime()) throw new KeyledgerError('evidence.invalid_window', `"to" (${to}) is in the future; evidence covers a window that has ended (now is ${now.toISOString()})`);
  return { from: new Date(a).toISOString(), to: new Date(b).toISOString() };
}

/** Sample sizes per population (`<criterion>/<table>` → 1…1000). */
export function checkSampleSizes(samples: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, size] of Object.entries(samples).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!POPULATION.test(key)) throw new KeyledgerError('evidence.invalid_sample', `sample key "${key}" must name a population as <criterion>/<table>, e.g. CC6.5/leavers`);
    if (!Number.isInteger(size) || size < 1 || size > MAX_SAMPLE_SIZE) throw new KeyledgerError('evidence.invalid_sample', `sample size for "${key}" must be an integer from 1 to ${MAX_SAMPLE_SIZE}, got ${size}`);
    out[key] = size;
  }
  return out;
}

/** Parses the CLI's `--sample CC6.5/leavers=8,CC6.6/mfa-accounts=10`. */
export function parseSampleOption(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.lastIndexOf('=');
    if (eq < 1) throw new KeyledgerError('evidence.invalid_sample', `"${part}" must read <criterion>/<table>=<size>`);
    out[part.slice(0, eq)] = Number(part.slice(eq + 1));
  }
  return checkSampleSizes(out);
}
