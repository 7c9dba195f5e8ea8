import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api.ts';
import { useAction } from '../../hooks.ts';
import { Field } from '../../components/form.tsx';
import { Page, Panel } from '../../components/page.tsx';
import { EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { useOrg } from '../../org-context.tsx';
import { setSearch, useLocation } from '../../router.tsx';
import { ExportStatus } from './export-status.tsx';
import { PastExports } from './past-exports.tsx';
import { parseSamples } from './samples.ts';
import type { EvidenceExport } from './types.ts';
import { windowFor, type DateWindow } from './window.ts';
import { WindowPicker } from './window-picker.tsx';

/**
 * Evidence: ask for a SOC 2 evidence package of the chosen organization over
 * a window (POST /api/v1/evidence/exports), follow it, download it, and see
 * how to verify it offline. The export shown is kept in the URL (?export=).
 */
export function EvidencePage() {
  const { org, loading } = useOrg();
  const { search } = useLocation();
  const shown = search.get('export');
  const [win, setWin] = useState<DateWindow>(() => windowFor('last-quarter', new Date()));
  const [seed, setSeed] = useState('');
  const [samplesText, setSamplesText] = useState('');
  const [samplesError, setSamplesError] = useState<string | null>(null);
  const { busy, error, reset, run } = useAction();
  const [listTick, setListTick] = useState(0);

  if (loading) return <Loading label="Loading organizations" />;
  if (!org) {
    return (
      <Page title="Evidence">
        <EmptyState title="No organization to export">Create an organization first; evidence covers one organization’s history.</EmptyState>
      </Page>
    );
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    reset();
    const parsed = parseSamples(samplesText);
    if ('error' in parsed) {
      setSamplesError(parsed.error);
      return;
    }
    setSamplesError(null);
    await run(async () => {
      const body: Record<string, unknown> = { org: org!.id, from: win.from, to: win.to };
      if (seed.trim()) body.seed = seed.trim();
      if (Object.keys(parsed.samples).length) body.samples = parsed.samples;
      const created = await apiSend<EvidenceExport>('POST', '/api/v1/evidence/exports', body);
      setSearch({ export: created.id });
      setListTick((t) => t + 1);
    });
  }

  return (
    <Page title="Evidence" subtitle={<>SOC 2 evidence packages for {org.name}: every population tied to the signed audit ledger, verifiable offline.</>}>
      <Panel title="Export evidence">
        <form onSubmit={(e) => void submit(e)}>
          <p className="muted">
            Organization: <strong>{org.name}</strong> (<code>{org.slug}</code>) — change it in the header.
          </p>
          <WindowPicker value={win} onChange={setWin} />
          <fieldset>
            <legend>Samples (optional)</legend>
            <div className="filters">
              <Field label="Auditor’s seed" hint="The seed the auditor gives you; samples are drawn from each population with it, and anyone can draw them again.">
                <input type="text" value={seed} onChange={(e) => setSeed(e.target.value)} maxLength={200} autoComplete="off" />
              </Field>
              <Field label="Sample sizes" hint="Population=size, comma separated, e.g. CC6.5/leavers=8, CC6.2/new-users=5 (1 to 1000; needs a seed)." error={samplesError}>
                <input type="text" value={samplesText} onChange={(e) => setSamplesText(e.target.value)} autoComplete="off" />
              </Field>
            </div>
          </fieldset>
          <ErrorNote error={error} title="The export was not started" />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Starting…' : 'Run export'}
            </button>
            <span className="muted small">Exporting is recorded in the ledger (evidence.export.requested) with you as the actor.</span>
          </div>
        </form>
      </Panel>
      {shown ? <ExportStatus key={shown} id={shown} slug={org.slug} onSettled={() => setListTick((t) => t + 1)} /> : null}
      <Panel title="Past exports">
        <PastExports orgId={org.id} refresh={listTick} shown={shown} />
      </Panel>
    </Page>
  );
}
