export function embeddedSeq(body: string): number;
export function hashLeafBodies(
  bodies: Iterable<string>,
  start: number,
  out: Buffer,
  base: number,
): { count: number; mismatch: null | { position: number; embeddedSeq: number } };
export const PAGE_SIZE: number;
export function hashLedgerRange(
  readPage: (from: number, to: number) => Promise<{ n: number; bodies: string | null }>,
  readRows: (from: number, to: number) => Promise<string[]>,
  start: number,
  end: number,
  out: Buffer,
  base: number,
): Promise<null | { position: number }>;
export function hashLevels(levels: Buffer[], start: number, end: number, fromLevel: number, toLevel: number): void;
