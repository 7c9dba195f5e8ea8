#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step), so `npx keyledger …`
// works in a fresh clone right after `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
