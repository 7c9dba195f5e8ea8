/** Small helpers shared by the benchmarks: timing, formatting and a result table. */

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  target?: string;
}

export async function timed<T>(fn: () => Promise<T> | T): Promise<{ result: T; seconds: number }> {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { result, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

export function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

/** Prints rows as a table: value, the named baseline measured in the same run, and the ratio. */
export function printTable(title: string, rows: BenchRow[]): void {
  console.log(`\n## ${title}\n`);
  console.log('| measurement | value | baseline (same run) | ratio | target |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    const base = r.baseline ? `${r.baseline.name}: ${fmt(r.baseline.value)} ${r.unit}` : '';
    const ratio = r.baseline ? (r.value / r.baseline.value).toFixed(3) : '';
    console.log(`| ${r.name} | ${fmt(r.value)} ${r.unit} | ${base} | ${ratio} | ${r.target ?? ''} |`);
  }
}

/** Runs `total` calls of `fn`, `concurrency` at a time; returns calls per second. */
export async function rate(total: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const { seconds } = await timed(() =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) await fn(next++);
      }),
    ),
  );
  return total / seconds;
}
