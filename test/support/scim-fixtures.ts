import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Microsoft's SCIM reference Postman collection (AzureAD/SCIMReferenceCode, MIT),
// kept in the shared fixtures folder (see /work/shared/fixtures/README.md), never
// copied into the repository. KEYLEDGER_FIXTURES_DIR may point at that folder.
function collectionPath(): string {
  const env = process.env.KEYLEDGER_FIXTURES_DIR;
  const dir = env ? join(env, 'scim') : fileURLToPath(new URL('../../../shared/fixtures/scim', import.meta.url));
  const path = join(dir, 'microsoft-scim-reference.postman_collection.json');
  // Fail the suite at collection time: these bodies must never be skipped silently.
  if (!existsSync(path)) throw new Error(`Microsoft SCIM reference collection not found at ${path} (set KEYLEDGER_FIXTURES_DIR)`);
  return path;
}

export interface CollectionRequest {
  folder: string;
  name: string;
  method: string;
  /** The resource path after `{{Api}}`, e.g. `/Users` or `/Groups/{{groupid3}}`. */
  path: string;
  /** The raw body text with the collection's variables still in it. */
  raw: string;
  /** The HTTP status the collection's test script expects, when it names one. */
  expectedStatus: number | undefined;
}

interface Item {
  name: string;
  item?: Item[];
  request?: { method: string; url: { raw: string } | string; body?: { raw?: string } };
  event?: { listen: string; script: { exec: string[] } }[];
}

/** Every request in the collection that has a body, in collection order. */
export function collectionRequests(): CollectionRequest[] {
  const root = JSON.parse(readFileSync(collectionPath(), 'utf8')) as { item: Item[] };
  const out: CollectionRequest[] = [];
  const walk = (items: Item[], folder: string) => {
    for (const it of items) {
      if (it.item) walk(it.item, it.name);
      else if (it.request?.body?.raw) {
        const url = typeof it.request.url === 'string' ? it.request.url : it.request.url.raw;
        const script = (it.event ?? []).filter((e) => e.listen === 'test').flatMap((e) => e.script.exec).join('\n');
        const status = /to\.have\.status\((\d{3})\)/.exec(script);
        out.push({
          folder,
          name: it.name,
          method: it.request.method,
          path: url.replace(/^.*\{\{Api\}\}/, ''),
          raw: it.request.body.raw,
          expectedStatus: status ? Number(status[1]) : undefined,
        });
      }
    }
  };
  walk(root.item, '');
  return out;
}

/** The body with the collection's variables (`{{id3}}`, `${__UUID}`) replaced, parsed as JSON (throws on the collection's deliberate junk). */
export function bodyOf(req: CollectionRequest, vars: Record<string, string> = {}): unknown {
  let n = 0;
  const text = req.raw
    .replace(/\$\{__UUID\}/g, () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`)
    .replace(/\{\{(\w+)\}\}/g, (_, name: string) => vars[name] ?? `${name}-value`);
  return JSON.parse(text);
}
