import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { toOcsf } from '../ocsf.ts';
import type { Sink } from '../types.ts';

export interface JsonlFileConfig {
  /** An absolute folder; created when missing. */
  directory: string;
  /** Rotate once the open file reaches this many bytes. */
  maxBytes: number;
  /** Rotate once the open file is this old (checked at each delivery). */
  maxAgeSeconds: number;
}

const OPEN_FILE = 'keyledger-open.jsonl';
const STATE_FILE = 'keyledger-open.state.json';

interface OpenState {
  firstSeq: number | null;
  lastSeq: number | null;
  openedAt: number;
}

/** The name a closed file gets: the first and last event seq it holds. */
export function closedFileName(firstSeq: number, lastSeq: number): string {
  return `keyledger-${firstSeq}-${lastSeq}.jsonl`;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends one OCSF JSON object per line to `keyledger-open.jsonl` and fsyncs
 * before a batch counts as delivered. When the file reaches `maxBytes` or
 * `maxAgeSeconds` it is renamed to `keyledger-<firstSeq>-<lastSeq>.jsonl`:
 * closed files are final, ready to ship to object storage. A small state file
 * beside it remembers the open file's seq range across restarts.
 */
export function createJsonlFileSink(config: JsonlFileConfig, deps: { now?: () => number } = {}): Sink {
  const now = deps.now ?? Date.now;
  const openPath = join(config.directory, OPEN_FILE);
  const statePath = join(config.directory, STATE_FILE);
  let state: OpenState | null = null;

  function loadState(): OpenState {
    if (state) return state;
    mkdirSync(config.directory, { recursive: true });
    if (existsSync(openPath) && existsSync(statePath)) state = JSON.parse(readFileSync(statePath, 'utf8')) as OpenState;
    else state = { firstSeq: null, lastSeq: null, openedAt: now() };
    return state;
  }

  function saveState(s: OpenState): void {
    writeFileSync(statePath + '.tmp', JSON.stringify(s));
    fsyncPath(statePath + '.tmp');
    renameSync(statePath + '.tmp', statePath);
  }

  function rotate(s: OpenState): void {
    if (s.firstSeq === null || s.lastSeq === null || !existsSync(openPath)) return;
    renameSync(openPath, join(config.directory, closedFileName(s.firstSeq, s.lastSeq)));
    rmSync(statePath, { force: true });
    fsyncPath(config.directory);
    state = { firstSeq: null, lastSeq: null, openedAt: now() };
  }

  return {
    async deliver(batch) {
      let s = loadState();
      if (s.firstSeq !== null && now() - s.openedAt >= config.maxAgeSeconds * 1000) {
        rotate(s);
        s = state!;
      }
      const text = batch.map((r) => JSON.stringify(toOcsf(r)) + '\n').join('');
      const fd = openSync(openPath, 'a');
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      const seqs = batch.flatMap((r) => (r.kind === 'event' ? [r.feed.seq] : []));
      if (seqs.length) {
        if (s.firstSeq === null) {
          s.firstSeq = seqs[0];
          s.openedAt = now();
        }
        s.lastSeq = Math.max(s.lastSeq ?? -1, seqs[seqs.length - 1]);
      }
      saveState(s);
      if (statSync(openPath).size >= config.maxBytes) rotate(s);
    },
    async close() {},
  };
}
