export function embeddedSeq(body: string): number;
export function hashLeafBodies(
  bodies: Iterable<string>,
  start: number,
  out: Buffer,
  base: number,
): { count: number; mismatch: null | { position: number; embeddedSeq: number } };
