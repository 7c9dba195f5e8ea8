import { useEffect, useState } from 'react';
import { apiGet } from '../../api.ts';
import { useAction } from '../../hooks.ts';
import { Facts, Panel } from '../../components/page.tsx';
import { Badge, ErrorNote, Loading, type Tone } from '../../components/states.tsx';
import { formatTime } from '../../format.ts';
import { Link } from '../../router.tsx';
import { downloadPackage } from './download.ts';
import { describeWindow } from './window.ts';
import { formatBytes, phaseLabel, type EvidenceExport } from './types.ts';

const POLL_MS = 1_000;

export const STATUS_TONES: Record<EvidenceExport['status'], Tone> = { queued: 'neutral', running: 'info', succeeded: 'good', failed: 'bad' };
const CRITERION_TONES: Record<string, Tone> = { pass: 'good', attention: 'warn', info: 'info' };

/** Follows one export: GET /api/v1/evidence/exports/{id} every second until it has succeeded or failed. */
function useExport(id: string, onSettled?: () => void) {
  const [exp, setExp] = useState<EvidenceExport | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setExp(null);
    setError(null);
    const poll = async () => {
      try {
        const next = await apiGet<EvidenceExport>(`/api/v1/evidence/exports/${encodeURIComponent(id)}`);
        if (!live) return;
        setExp(next);
        setError(null);
        if (next.status === 'queued' || next.status === 'running') timer = setTimeout(poll, POLL_MS);
        else onSettled?.();
      } catch (err) {
        if (live) setError(err);
      }
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);
  return { exp, error };
}

/** The published ledger verifier key (unauthenticated), for the offline verify command. */
function useVerifierKey(): string | null {
  const [key, setKey] = useState<string | null>(null);
  useEffect(() => {
    fetch('/.well-known/keyledger/ledger-key', { headers: { accept: 'application/json' } })
      .then((r) => (r.ok ? (r.json() as Promise<{ verifierKey: string }>) : null))
      .then((b) => setKey(b?.verifierKey ?? null))
      .catch(() => setKey(null));
  }, []);
  return key;
}

function ExportProgress({ exp }: { exp: EvidenceExport }) {
  const { percent, phase } = exp.progress;
  const text = `${phaseLabel(phase)}… ${percent}%`;
  return (
    <div role="status" aria-live="polite">
      <p>
        <progress className="progress" max={100} value={percent} aria-label="Export progress" aria-valuenow={percent} aria-valuemin={0} aria-valuemax={100} aria-valuetext={text} />
      </p>
      <p>{text}</p>
      <p className="muted small">The export runs on the server; you may leave this page and find it under Past exports.</p>
    </div>
  );
}

function ExportResult({ exp, slug }: { exp: EvidenceExport; slug: string | null }) {
  const key = useVerifierKey();
  const { busy: downloading, error, run } = useAction();
  const [downloaded, setDownloaded] = useState<string | null>(null);
  const pkg = exp.package!;
  const file = downloaded ?? (slug ? `keyledger-evidence-${slug}-${exp.from.slice(0, 10)}-${exp.to.slice(0, 10)}.zip` : 'FILE.zip');
  async function download() {
    await run(async () => setDownloaded(await downloadPackage(exp.id)));
  }
  return (
    <div className="export-result">
      <div className="actions export-result-actions">
        <button type="button" className="primary" onClick={() => void download()} disabled={downloading}>
          {downloading ? 'Downloading…' : 'Download package'}
        </button>
        {downloaded ? (
          <span role="status" className="muted">
            Saved as <code>{downloaded}</code> (the download is recorded in the ledger).
          </span>
        ) : null}
      </div>
      <ErrorNote error={error} title="Could not download the package" />
      <h3>Criteria</h3>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Result per criterion</caption>
          <thead>
            <tr>
              <th scope="col">Criterion</th>
              <th scope="col">Result</th>
              <th scope="col">Headline</th>
            </tr>
          </thead>
          <tbody>
            {(exp.summary ?? []).map((c) => (
              <tr key={c.id}>
                <th scope="row">{c.id}</th>
                <td>
                  <Badge tone={CRITERION_TONES[c.status] ?? 'neutral'}>{c.status}</Badge>
                </td>
                <td>{c.headline}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Package</h3>
      <Facts
        items={[
          ['Package SHA-256', <code data-testid="package-sha256">{pkg.sha256}</code>],
          ['Manifest SHA-256', <code data-testid="manifest-sha256">{pkg.manifestSha256}</code>],
          ['Size', formatBytes(pkg.bytes)],
          ['Ledger checkpoint size', `${pkg.checkpointSize} events`],
        ]}
      />
      <h3>Verify it offline</h3>
      <p>
        Anyone holding the zip can check it without this server: every file against the signed manifest, every event against the ledger checkpoint, every table recomputed from the events. Compare the
        package’s SHA-256 above with <code>sha256sum</code> of the file you hand over.
      </p>
      <pre className="verify-command">
        <code>{`keyledger evidence verify ${file} --key '${key ?? '<the published ledger verifier key>'}'`}</code>
      </pre>
      <p className="muted small">
        The key is the one published at <a href="/.well-known/keyledger/ledger-key">/.well-known/keyledger/ledger-key</a>; keep your own copy. See docs/evidence-verify.md for what each check proves.
      </p>
    </div>
  );
}

/** One export: its request, its progress while it runs, and when done the result per criterion, the hashes and the download. */
export function ExportStatus({ id, slug, onSettled }: { id: string; slug: string | null; onSettled?: () => void }) {
  const { exp, error } = useExport(id, onSettled);
  if (error) return <ErrorNote error={error} title="Could not load the export" />;
  if (!exp) return <Loading label="Loading the export" />;
  return (
    <Panel
      title={exp.status === 'succeeded' ? 'Evidence package ready' : exp.status === 'failed' ? 'Export failed' : 'Exporting evidence'}
      id="export-status"
      actions={<Badge tone={STATUS_TONES[exp.status]}>{exp.status}</Badge>}
    >
      <Facts
        items={[
          ['Window', describeWindow(exp.from, exp.to)],
          ['Requested', `${formatTime(exp.requestedAt)} by ${exp.requestedBy.display ?? exp.requestedBy.id}`],
          ['Sampling seed', exp.seed ? <code>{exp.seed}</code> : 'none (no samples)'],
          ['Sample sizes', Object.keys(exp.samples).length ? Object.entries(exp.samples).map(([k, v]) => `${k}=${v}`).join(', ') : '—'],
          ['Finished', exp.finishedAt ? formatTime(exp.finishedAt) : null],
          ['Ledger', <Link to={`/audit?action=evidence.export.&target=${encodeURIComponent(exp.id)}`}>Events of this export (requested, completed, downloaded)</Link>],
        ]}
      />
      {exp.status === 'queued' || exp.status === 'running' ? <ExportProgress exp={exp} /> : null}
      {exp.status === 'failed' && exp.error ? (
        <div className="notice error" role="alert">
          <p>
            <strong>The export failed.</strong> {exp.error.message}
          </p>
          <p className="muted small">
            Code <code>{exp.error.code}</code> · attempt {exp.attempts}
          </p>
        </div>
      ) : null}
      {exp.status === 'succeeded' && exp.package ? <ExportResult exp={exp} slug={slug} /> : null}
    </Panel>
  );
}
