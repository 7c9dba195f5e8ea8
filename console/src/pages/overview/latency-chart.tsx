import { Badge } from '../../components/states.tsx';
import { formatDuration, formatTime, plural } from '../../format.ts';
import { Link } from '../../router.tsx';
import type { ComplianceSummary, LatencyPoint } from './types.ts';

const W = 640;
const H = 240;
const PAD = { left: 48, right: 16, top: 16, bottom: 36 };

function hours(p: LatencyPoint): number | null {
  return p.latencySeconds === null ? null : p.latencySeconds / 3600;
}

/** One sentence a screen reader hears for the chart; the table below holds every point. */
export function latencySummary(d: ComplianceSummary['deprovisioning']): string {
  if (d.leavers === 0) return 'No leavers in the window.';
  const longest = Math.max(0, ...d.points.map((p) => p.latencySeconds ?? 0));
  return `Deprovisioning latency for ${plural(d.leavers, 'leaver')}: ${d.withinSla} within the ${d.slaHours}-hour SLA, ${d.outsideSla} outside it, ${d.open} with access not yet removed; the longest removal took ${formatDuration(longest)}.`;
}

/**
 * Latency per leaver (hours from termination to access removed) against the
 * SLA line, oldest termination on the left. Bars outside the SLA are red AND
 * marked with "!" (colour is never the only signal); bars past the top of the
 * scale are cut with "▲"; a leaver whose access is still there is drawn as an
 * open marker. The table alternative lists every point.
 */
export function LatencyChart({ d }: { d: ComplianceSummary['deprovisioning'] }) {
  const points = [...d.points].sort((a, b) => (a.terminatedAt < b.terminatedAt ? -1 : 1));
  const maxLatency = Math.max(0, ...points.map((p) => hours(p) ?? 0));
  // Headroom above the tallest bar for its mark; very long removals are cut at 4× the SLA (marked ▲).
  const top = Math.ceil(Math.max(d.slaHours * 1.5, Math.min(maxLatency * 1.15, d.slaHours * 4)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const y = (h: number) => PAD.top + plotH - (Math.min(h, top) / top) * plotH;
  const step = points.length ? plotW / points.length : plotW;
  const barW = Math.max(2, Math.min(40, step * 0.6));
  const summary = latencySummary(d);
  return (
    <figure className="latency-figure">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} className="latency-chart">
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={PAD.top + plotH} className="axis" />
        <line x1={PAD.left} y1={PAD.top + plotH} x2={W - PAD.right} y2={PAD.top + plotH} className="axis" />
        {[0, top / 2, top].map((t) => (
          <text key={t} x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className="tick">
            {Math.round(t)} h
          </text>
        ))}
        {points.map((p, i) => {
          const cx = PAD.left + step * i + step / 2;
          const h = hours(p);
          const label = p.displayName ?? p.userId.slice(0, 8);
          if (h === null) {
            return (
              <g key={p.userId + p.terminatedAt}>
                <rect x={cx - barW / 2} y={PAD.top} width={barW} height={plotH} className="bar-open" />
                <text x={cx} y={PAD.top + 12} textAnchor="middle" className="mark">
                  open
                </text>
                <title>{`${label}: terminated ${formatTime(p.terminatedAt)}, access not removed`}</title>
              </g>
            );
          }
          return (
            <g key={p.userId + p.terminatedAt}>
              <rect x={cx - barW / 2} y={y(h)} width={barW} height={PAD.top + plotH - y(h)} className={p.withinSla ? 'bar-good' : 'bar-bad'} />
              {p.withinSla ? null : (
                <text x={cx} y={h > top ? PAD.top + 12 : y(h) - 4} textAnchor="middle" className={h > top ? 'mark mark-inside' : 'mark'}>
                  {h > top ? '▲ !' : '!'}
                </text>
              )}
              <title>{`${label}: ${formatDuration(p.latencySeconds)} from termination to access removed (${p.withinSla ? 'within' : 'outside'} the SLA)`}</title>
            </g>
          );
        })}
        <line x1={PAD.left} y1={y(d.slaHours)} x2={W - PAD.right} y2={y(d.slaHours)} className="sla-line" />
        <text x={W - PAD.right} y={y(d.slaHours) - 4} textAnchor="end" className="tick">
          SLA {d.slaHours} h
        </text>
        <text x={PAD.left + plotW / 2} y={H - 8} textAnchor="middle" className="tick">
          Leavers, by termination time →
        </text>
      </svg>
      <figcaption className="muted small">{summary}</figcaption>
      {points.length ? (
        <details>
          <summary>Show the leavers as a table</summary>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Deprovisioning latency per leaver</caption>
              <thead>
                <tr>
                  <th scope="col">Leaver</th>
                  <th scope="col">Terminated</th>
                  <th scope="col">Access removed</th>
                  <th scope="col">Latency</th>
                  <th scope="col">SLA</th>
                </tr>
              </thead>
              <tbody>
                {d.points.map((p) => (
                  <tr key={p.userId + p.terminatedAt}>
                    <th scope="row">
                      <Link to={`/users/${p.userId}`}>{p.displayName ?? p.userId}</Link>
                    </th>
                    <td>{formatTime(p.terminatedAt)}</td>
                    <td>{p.removedAt ? formatTime(p.removedAt) : 'not removed'}</td>
                    <td>{formatDuration(p.latencySeconds)}</td>
                    <td>{p.withinSla === null ? <Badge tone="bad">open</Badge> : p.withinSla ? <Badge tone="good">within</Badge> : <Badge tone="warn">outside</Badge>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
    </figure>
  );
}
