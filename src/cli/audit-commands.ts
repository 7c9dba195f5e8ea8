import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { verifyLedger } from '../audit/verify-ledger.ts';
import { verifyProofDocument } from '../audit/verify-proof-file.ts';
import { checkpointNoteFromFile } from '../audit/expected-checkpoint.ts';
import { emit, handled } from './output.ts';
import { withRuntime } from './context.ts';
import { openDatabase } from '../platform/database.ts';
import { loadConfig } from '../platform/config.ts';

/** `keyledger audit verify | proof | consistency | verify-proof | checkpoint`. */
export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit ledger');

  audit
    .command('verify')
    .description('recompute every leaf, the tree and every checkpoint signature; exit 1 naming the first event that does not match')
    .option('--verifier-key <key>', 'the published verifier key (or @file) to check signatures against, instead of the key in the database')
    .option('--expect-checkpoint <file>', 'a signed checkpoint saved elsewhere (SIEM, `audit checkpoint`): fail unless the ledger contains it (detects a restore that lost events)')
    .option('--json', 'machine-readable output')
    .action(
      handled(async (opts: { verifierKey?: string; expectCheckpoint?: string; json?: boolean }) => {
        const verifierKey = opts.verifierKey?.startsWith('@') ? readFileSync(opts.verifierKey.slice(1), 'utf8').trim() : opts.verifierKey;
        const expectCheckpoint = opts.expectCheckpoint === undefined ? undefined : checkpointNoteFromFile(readFileSync(opts.expectCheckpoint, 'utf8'));
        // Verification only reads: no migration, no key creation, no sequencing.
        const database = openDatabase(loadConfig(process.env));
        const report = await verifyLedger(database.db, { verifierKey, expectCheckpoint, parallel: { target: database.target } }).finally(() => database.destroy());
        emit(Boolean(opts.json), report, () =>
          report.ok
            ? `ledger intact: ${report.events} events, ${report.checkpoints} signed checkpoints, tree size ${report.treeSize}, root ${report.root}` +
              (report.unsignedEvents ? ` (${report.unsignedEvents} newer events not yet checkpointed)` : '') +
              (report.expectedCheckpoint ? `\ncontains the expected checkpoint: tree size ${report.expectedCheckpoint.size}, root ${report.expectedCheckpoint.root}` : '') +
              (report.keySource === 'database' ? '\nnote: signatures were checked with the key stored in the database; pass --verifier-key with the published key for an independent check' : '')
            : `LEDGER VERIFICATION FAILED: ${report.problem!.message}`,
        );
        process.exitCode = report.ok ? 0 : 1;
      }),
    );

  audit
    .command('proof <eventId>')
    .description('inclusion proof of an event and the signed checkpoint it verifies against')
    .option('--tree-size <n>', 'prove against the checkpoint of this tree size instead of the newest')
    .option('--json', 'machine-readable output')
    .action(
      handled(async (eventId: string, opts: { treeSize?: string; json?: boolean }) => {
        const proof = await withRuntime(async (rt) => {
          await rt.sequencer.integrateAll();
          return rt.ledger.inclusionProof(eventId, opts.treeSize === undefined ? undefined : Number(opts.treeSize));
        });
        emit(Boolean(opts.json), proof, () => [`event ${proof.eventId} is leaf ${proof.leafIndex} of ${proof.treeSize}`, `leaf hash ${proof.leafHash}`, 'proof:', ...proof.proof.map((p) => `  ${p}`), 'checkpoint:', proof.checkpoint].join('\n'));
      }),
    );

  audit
    .command('verify-proof <file>')
    .description('check a proof saved from `audit proof --json` or the API, offline: no database, no network')
    .requiredOption('--verifier-key <key>', 'the published verifier key (or @file)')
    .option('--json', 'machine-readable output')
    .action(
      handled(async (file: string, opts: { verifierKey: string; json?: boolean }) => {
        const key = opts.verifierKey.startsWith('@') ? readFileSync(opts.verifierKey.slice(1), 'utf8').trim() : opts.verifierKey;
        const result = verifyProofDocument(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>, key);
        emit(Boolean(opts.json), result, () => result.kind === 'inclusion' ? `proof verifies: event ${result.eventId} is in the tree of size ${result.treeSize} signed by ${result.origin}` : `proof verifies: the tree of size ${result.treeSize} signed by ${result.origin} extends the older one`);
      }),
    );

  audit
    .command('consistency')
    .description('consistency proof from an older tree size to the newest signed checkpoint')
    .requiredOption('--from <n>', 'the older tree size')
    .option('--to <n>', 'a newer checkpointed tree size (default: the newest)')
    .option('--json', 'machine-readable output')
    .action(
      handled(async (opts: { from: string; to?: string; json?: boolean }) => {
        const proof = await withRuntime((rt) => rt.ledger.consistencyProof(Number(opts.from), opts.to === undefined ? undefined : Number(opts.to)));
        emit(Boolean(opts.json), proof, () => [`tree ${proof.fromSize} -> ${proof.toSize}`, ...proof.proof.map((p) => `  ${p}`), proof.toCheckpoint].join('\n'));
      }),
    );

  audit
    .command('checkpoint')
    .description('integrate pending events and print the newest signed checkpoint')
    .option('--json', 'machine-readable output')
    .action(
      handled(async (opts: { json?: boolean }) => {
        const cp = await withRuntime(async (rt) => {
          await rt.sequencer.integrateAll();
          return rt.ledger.latestCheckpoint();
        });
        const out = cp ? { size: cp.size, rootHash: cp.rootHash.toString('base64'), note: cp.note, keyId: cp.keyId, createdAt: cp.createdAt } : null;
        emit(Boolean(opts.json), out, () => (cp ? cp.note : 'the ledger has no checkpoint yet'));
      }),
    );
}
