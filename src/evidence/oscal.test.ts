import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { oscalComponentDefinition } from './oscal.ts';
import { CONTROL_IMPLEMENTATIONS } from './controls.ts';
import { CRITERIA } from './model.ts';

describe('the OSCAL component definition', () => {
  const doc = oscalComponentDefinition('0.1.0', '2026-11-30T00:00:00Z') as { 'component-definition': any };

  it('is the document shipped in docs/soc2 (regenerate it when the controls change)', () => {
    const shipped = JSON.parse(readFileSync(new URL('../../docs/soc2/oscal-component-definition.json', import.meta.url), 'utf8'));
    expect(shipped).toEqual(doc);
  });

  it('covers every criterion folder of a package, with unique, stable, well-formed UUIDs', () => {
    expect(CONTROL_IMPLEMENTATIONS.map((c) => c.criterion).sort()).toEqual([...CRITERIA].sort());
    const reqs = doc['component-definition'].components[0]['control-implementations'][0]['implemented-requirements'];
    const uuids = [doc['component-definition'].uuid, ...reqs.map((r: { uuid: string }) => r.uuid)];
    expect(new Set(uuids).size).toBe(uuids.length);
    for (const u of uuids) expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(oscalComponentDefinition('0.1.0', '2026-11-30T00:00:00Z')).toEqual(doc);
    expect(reqs.map((r: { 'control-id': string }) => r['control-id'])).toEqual(expect.arrayContaining(['cc6.1', 'cc6.2', 'cc6.3', 'cc6.5', 'cc6.6', 'cc6.7', 'cc7.2', 'cc7.3']));
  });

  it('names evidence files the controls matrix also names', () => {
    const matrix = readFileSync(new URL('../../docs/soc2/controls-matrix.md', import.meta.url), 'utf8');
    const missing = CONTROL_IMPLEMENTATIONS.flatMap((c) => c.evidence).filter((e) => !matrix.includes(`\`${e}\``));
    expect(missing).toEqual([]);
  });
});
