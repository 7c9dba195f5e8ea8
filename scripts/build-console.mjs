#!/usr/bin/env node
// Builds the admin console (console/ → console/dist) with Vite; Keyledger serves the result at /console.
// `--if-stale`: build only when console/dist is missing or older than a source file (what `npm start` runs).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'console');
const built = join(root, 'dist', 'index.html');

function newest(dir) {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return max;
}

if (process.argv.includes('--if-stale') && existsSync(built)) {
  const sources = Math.max(newest(join(root, 'src')), statSync(join(root, 'index.html')).mtimeMs, statSync(join(root, 'vite.config.ts')).mtimeMs);
  if (statSync(built).mtimeMs >= sources) process.exit(0);
}

let vite;
try {
  vite = await import('vite');
} catch {
  if (existsSync(built)) process.exit(0);
  console.error('keyledger: the admin console is not built and Vite is not installed (run `npm install` without --omit=dev).');
  process.exit(process.argv.includes('--if-stale') ? 0 : 1);
}
const started = Date.now();
await vite.build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
console.log(`keyledger: admin console built into console/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
