import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The RFC 6962 vectors of transparency-dev/merkle `testdata/` (see
 * /work/shared/fixtures/README.md). KEYLEDGER_FIXTURES_DIR may point at the
 * shared fixtures folder (containing merkle/) or at the merkle folder itself.
 * Throws when they are missing: these vectors must never be skipped silently.
 */
export function merkleFixturesDir(): string {
  const env = process.env.KEYLEDGER_FIXTURES_DIR;
  const candidates = env ? [join(env, 'merkle'), env] : [fileURLToPath(new URL('../../../shared/fixtures/merkle', import.meta.url))];
  const found = candidates.find((dir) => existsSync(join(dir, 'inclusion')) && existsSync(join(dir, 'consistency')));
  if (!found) throw new Error(`Merkle proof fixtures not found; looked in ${candidates.join(', ')} (set KEYLEDGER_FIXTURES_DIR)`);
  return found;
}

/** Every .json file below `dir`, sorted. */
export function jsonFilesUnder(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? jsonFilesUnder(path) : name.endsWith('.json') ? [path] : [];
    })
    .sort();
}
