import { createHash } from 'node:crypto';
import { CONTROL_IMPLEMENTATIONS } from './controls.ts';

const NS = 'https://keyledger.dev/ns/oscal';
const SOURCE = 'https://www.aicpa-cima.com/resources/download/2017-trust-services-criteria-with-revised-points-of-focus-2022';

/** A stable UUID (version 5 layout) derived from a name, so the document is the same on every run. */
function nameUuid(name: string): string {
  const h = createHash('sha1').update(`keyledger-oscal:${name}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/**
 * An OSCAL 1.1 component definition of the SOC 2 controls Keyledger
 * implements, each with the evidence files an export carries for it.
 */
export function oscalComponentDefinition(version: string, lastModified: string): Record<string, unknown> {
  return {
    'component-definition': {
      uuid: nameUuid('component-definition'),
      metadata: { title: 'Keyledger SOC 2 identity controls', 'last-modified': lastModified, version, 'oscal-version': '1.1.2' },
      components: [
        {
          uuid: nameUuid('component'),
          type: 'software',
          title: 'Keyledger',
          description: 'Self-hosted identity platform that runs SOC 2 identity controls and keeps the proof in a tamper-evident ledger.',
          'control-implementations': [
            {
              uuid: nameUuid('soc2-tsc'),
              source: SOURCE,
              description: 'AICPA Trust Services Criteria (2017, revised points of focus 2022): the identity controls Keyledger runs.',
              'implemented-requirements': CONTROL_IMPLEMENTATIONS.flatMap((c) =>
                c.controlIds.map((id) => ({
                  uuid: nameUuid(`${c.criterion}:${id}`),
                  'control-id': id,
                  description: `${c.title}. ${c.statement}`,
                  props: [{ name: 'evidence-folder', ns: NS, value: c.criterion }, ...c.evidence.map((e) => ({ name: 'evidence-file', ns: NS, value: /\.[a-z]+$/.test(e) ? e : `${e}.csv` }))],
                })),
              ),
            },
          ],
        },
      ],
    },
  };
}
