import { useState } from 'react';
import { Page } from '../../components/page.tsx';
import { EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { formatTime } from '../../format.ts';
import { useApi } from '../../hooks.ts';
import { useOrg } from '../../org-context.tsx';
import { describeWindow, windowFor, type DateWindow } from '../evidence/window.ts';
import { WindowPicker } from '../evidence/window-picker.tsx';
import { CriteriaPanel, DeprovisioningPanel, FindingsPanel, MfaPanel, ReviewsPanel } from './panels.tsx';
import type { ComplianceSummary } from './types.ts';

/**
 * The chosen organization's SOC 2 picture over a window, from one call:
 * GET /api/v1/compliance/summary?org=&from=&to= (computed by the evidence
 * package's collectors, so it says what a package of the window would say).
 */
export function OverviewPage() {
  const { org, loading } = useOrg();
  const [win, setWin] = useState<DateWindow>(() => windowFor('last-90-days', new Date()));
  const ready = org && win.from && win.to;
  const summary = useApi<ComplianceSummary>(ready ? '/api/v1/compliance/summary' : null, { org: org?.id, from: win.from, to: win.to });

  if (loading) return <Loading label="Loading organizations" />;
  if (!org) {
    return (
      <Page title="Overview">
        <EmptyState title="No organization yet">Create an organization under Directory; its controls appear here.</EmptyState>
      </Page>
    );
  }
  const s = summary.data;
  return (
    <Page title="Overview" subtitle={<>Controls health of {org.name} for SOC 2, computed from the audit ledger.</>}>
      <WindowPicker value={win} onChange={setWin} />
      {summary.error ? <ErrorNote error={summary.error} title="Could not compute the summary" /> : null}
      {summary.loading && !s ? <Loading label="Computing the summary" /> : null}
      {s && !summary.error ? (
        <>
          <p className="muted small" role="status">
            {describeWindow(s.window.from, s.window.to)} · computed {formatTime(s.generatedAt)}
            {summary.loading ? ' · updating…' : ''}
          </p>
          <CriteriaPanel s={s} />
          <div className="grid">
            <FindingsPanel s={s} />
            <MfaPanel s={s} />
          </div>
          <DeprovisioningPanel s={s} />
          <ReviewsPanel s={s} />
        </>
      ) : null}
    </Page>
  );
}
