import { userInfo } from 'node:os';
import { loadConfig } from '../platform/config.ts';
import type { Runtime } from '../runtime.ts';
import { systemContext } from '../audit/event.ts';

/** The actor of every change made from the command line on the host. */
export function cliContext() {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry */
  }
  return systemContext('cli', `keyledger CLI (os user ${user})`);
}

/** Opens the runtime quietly (logs at warn) for one command, and closes it after. */
export async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env);
  // Loaded on demand: commands that only read the database start faster without the whole runtime.
  const { createRuntime } = await import('../runtime.ts');
  const rt = await createRuntime({ ...config, logLevel: process.env.LOG_LEVEL ?? 'warn' });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

