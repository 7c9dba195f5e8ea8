/** The first retry of a failed batch waits up to this long; each next one twice as long, up to `STREAM_RETRY_CAP_MS`. */
export const STREAM_RETRY_BASE_MS = 1_000;
export const STREAM_RETRY_CAP_MS = 5 * 60_000;

/**
 * Milliseconds to wait after the `failures`-th consecutive failure (≥ 1):
 * exponential, capped, with jitter so that destinations recovering from one
 * outage are not all retried at once. Requires 0 ≤ random() < 1; returns a
 * value in [d/2, d] for d = min(cap, base·2^(failures−1)). There is no last
 * attempt: a destination is retried at the cap for as long as it fails.
 */
export function streamRetryDelayMs(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(STREAM_RETRY_CAP_MS, STREAM_RETRY_BASE_MS * 2 ** Math.min(failures - 1, 30));
  return Math.ceil(ceiling / 2 + (ceiling / 2) * random());
}
