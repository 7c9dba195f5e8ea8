import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import type { Dialect } from '../../src/platform/database.ts';
import type { Clock } from '../../src/platform/clock.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';

export interface TestRuntime {
  rt: Runtime;
  database: TestDatabase;
  dataDir: string;
  close(): Promise<void>;
}

/** A whole Keyledger runtime on a fresh database of the given dialect, with its own data folder and master key. */
export async function createTestRuntime(dialect: Dialect, options: { clock?: Clock; env?: Record<string, string> } = {}): Promise<TestRuntime> {
  const database = await createTestDatabase(dialect);
  const dataDir = mkdtempSync(join(tmpdir(), 'keyledger-data-'));
  const config = loadConfig({ KEYLEDGER_DATA_DIR: dataDir, KEYLEDGER_MASTER_KEY: randomBytes(32).toString('base64'), PORT: '0', ...options.env });
  const rt = await createRuntime(config, { database, clock: options.clock, logger: createLogger(process.env.KEYLEDGER_TEST_LOG ?? 'silent') });
  return {
    rt,
    database,
    dataDir,
    async close() {
      await rt.evidenceExports.stop();
      await rt.sequencer.stop();
      await rt.lockouts.close();
      await rt.bus.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
