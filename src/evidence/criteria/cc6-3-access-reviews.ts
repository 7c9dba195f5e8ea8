import type { LedgerEvent } from '../../audit/event.ts';
import type { CitedRow, Column, EvidenceParameters, Row, RowBuilder } from '../model.ts';

/**
 * CC6.3's access review populations: every campaign open during the window
 * and every review decision taken in it, computed from `access.review.*`
 * events (and the role's `access.role.created` for a decision's role key).
 */

export const REVIEW_ACTIONS = ['access.review.campaign_opened', 'access.review.item_decided', 'access.review.reviewer_signed_off', 'access.review.campaign_closed', 'access.review.campaign_overdue'] as const;

export const CAMPAIGN_COLUMNS: Column[] = [
  { name: 'campaign_id', description: 'The access review campaign.' },
  { name: 'name', description: 'Its name.' },
  { name: 'kind', description: 'scheduled, ad_hoc, or mover (opened when a user changed department, title or manager).' },
  { name: 'owner_id', description: 'The user who signs the campaign off, or null.' },
  { name: 'opened_at', description: 'When it opened (every active assignment in scope was snapshotted as an item).' },
  { name: 'due_at', description: 'When it was due.' },
  { name: 'closed_at', description: 'When it closed, or null when it was still open at the window end.' },
  { name: 'closed_by', description: 'owner_sign_off, admin, or nothing_to_review; null while open.' },
  { name: 'items', description: 'Items (role assignments) under review.' },
  { name: 'decided', description: 'Items decided (at the close, or by the window end while open).' },
  { name: 'kept', description: 'Items decided keep.' },
  { name: 'revoked', description: 'Items decided revoke.' },
  { name: 'undecided', description: 'Items left undecided.' },
  { name: 'reviewers', description: 'Distinct reviewers the items were given to when it opened.' },
  { name: 'reviewer_sign_offs', description: 'Reviewer sign-offs recorded (a reviewer signs off once every item given to them is decided).' },
  { name: 'all_signed_off_at', description: 'When the owner signed off after every reviewer, closing the campaign; null otherwise.' },
  { name: 'overdue', description: 'true when the campaign passed its due time open (recorded overdue, closed after its due time, or still open past it at the window end).' },
];

export const DECISION_COLUMNS: Column[] = [
  { name: 'item_id', description: 'The review item.' },
  { name: 'campaign_id', description: 'Its campaign.' },
  { name: 'campaign_name', description: 'The campaign’s name, or null when its opening is not in the ledger.' },
  { name: 'reviewer_id', description: 'The user who decided.' },
  { name: 'reviewer', description: 'The reviewer as the ledger displays them (email).' },
  { name: 'principal_type', description: 'user or service_account.' },
  { name: 'principal_id', description: 'Who holds the access reviewed.' },
  { name: 'assignment_id', description: 'The role assignment reviewed.' },
  { name: 'role_id', description: 'The role.' },
  { name: 'role_key', description: 'The role’s key, or null when its definition is not in the ledger.' },
  { name: 'decision', description: 'keep or revoke.' },
  { name: 'decided_at', description: 'When it was decided.' },
  { name: 'applied', description: 'true when a revoke ended the assignment at once (apply on decision); revokes otherwise wait for the close.' },
  { name: 'comment', description: 'The reviewer’s comment, or null (a revoke always has one).' },
];

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** A campaign's row from its opening, close, overdue mark, sign-offs and (while open) its decisions. */
export const buildCampaignRow: RowBuilder = (cited: LedgerEvent[], params: EvidenceParameters): Row => {
  const opened = cited.find((e) => e.action === 'access.review.campaign_opened');
  if (!opened) throw new RangeError('a campaign row cites its access.review.campaign_opened event');
  const d = opened.data;
  const closed = cited.find((e) => e.action === 'access.review.campaign_closed') ?? null;
  const overdueMark = cited.some((e) => e.action === 'access.review.campaign_overdue');
  const signOffs = new Set(cited.filter((e) => e.action === 'access.review.reviewer_signed_off').map((e) => str(e.data.reviewerId)));
  const items = num(d.items);
  let kept = 0;
  let revoked = 0;
  let undecided: number;
  if (closed) {
    kept = num(closed.data.kept);
    revoked = num(closed.data.revoked);
    undecided = num(closed.data.undecided);
  } else {
    const decisions = new Map<string, string>();
    for (const e of cited) if (e.action === 'access.review.item_decided') decisions.set(String(e.data.itemId), String(e.data.decision));
    for (const v of decisions.values()) v === 'revoke' ? revoked++ : kept++;
    undecided = items - decisions.size;
  }
  const dueAt = str(d.dueAt);
  const overdue = overdueMark || (dueAt !== null && (closed ? closed.time > dueAt : dueAt < params.to));
  return {
    campaign_id: str(d.campaignId),
    name: str(d.name),
    kind: str(d.kind),
    owner_id: str(d.ownerId),
    opened_at: opened.time,
    due_at: dueAt,
    closed_at: closed?.time ?? null,
    closed_by: closed ? str(closed.data.closedBy) : null,
    items,
    decided: kept + revoked,
    kept,
    revoked,
    undecided,
    reviewers: num(d.reviewers),
    reviewer_sign_offs: signOffs.size,
    all_signed_off_at: closed && closed.data.closedBy === 'owner_sign_off' ? closed.time : null,
    overdue,
  };
};

/** A decision's row from its `access.review.item_decided` event, the campaign's opening and the role's creation. */
export const buildDecisionRow: RowBuilder = (cited: LedgerEvent[]): Row => {
  const decided = cited.find((e) => e.action === 'access.review.item_decided');
  if (!decided) throw new RangeError('a decision row cites its access.review.item_decided event');
  const d = decided.data;
  const opened = cited.find((e) => e.action === 'access.review.campaign_opened' && e.data.campaignId === d.campaignId);
  const role = cited.find((e) => e.action === 'access.role.created' && e.targets.some((t) => t.type === 'role' && t.id === d.roleId));
  return {
    item_id: str(d.itemId),
    campaign_id: str(d.campaignId),
    campaign_name: opened ? str(opened.data.name) : null,
    reviewer_id: str(d.decidedBy),
    reviewer: decided.actor.display,
    principal_type: str(d.principalType),
    principal_id: str(d.principalId),
    assignment_id: str(d.assignmentId),
    role_id: str(d.roleId),
    role_key: role ? str(role.data.key) : null,
    decision: str(d.decision),
    decided_at: decided.time,
    applied: d.applied === true,
    comment: str(d.comment),
  };
};

interface CampaignState {
  opened: LedgerEvent;
  closed: LedgerEvent | null;
  marks: LedgerEvent[];
  /** Decisions, kept only while the campaign is open (a close carries the counts). */
  decisions: LedgerEvent[];
}

/** Follows campaigns through the ledger; `roleCreated` gives the role's creation event for a decision row. */
export class ReviewTracker {
  private readonly campaigns = new Map<string, CampaignState>();
  readonly decisions: CitedRow[] = [];

  constructor(
    private readonly params: EvidenceParameters,
    private readonly roleCreated: (roleId: string) => LedgerEvent | undefined,
  ) {}

  add(e: LedgerEvent): void {
    const id = str(e.data.campaignId);
    if (!id) return;
    if (e.action === 'access.review.campaign_opened') {
      this.campaigns.set(id, { opened: e, closed: null, marks: [], decisions: [] });
      return;
    }
    const c = this.campaigns.get(id);
    if (e.action === 'access.review.item_decided') {
      if (c && !c.closed) c.decisions.push(e);
      if (e.time >= this.params.from) {
        const role = this.roleCreated(String(e.data.roleId));
        const cited = [...(c ? [c.opened] : []), ...(role ? [role] : []), e].sort((a, b) => a.seq - b.seq);
        this.decisions.push({ row: buildDecisionRow(cited, this.params), cites: cited.map((x) => x.id) });
      }
      return;
    }
    if (!c) return;
    if (e.action === 'access.review.campaign_closed') {
      c.closed = e;
      c.decisions = [];
      // Closed before the window: not part of it.
      if (e.time < this.params.from) this.campaigns.delete(id);
    } else c.marks.push(e);
  }

  /** One row per campaign open at some point in the window. */
  campaignRows(): CitedRow[] {
    const out: CitedRow[] = [];
    for (const c of this.campaigns.values()) {
      const cited = [c.opened, ...c.marks, ...(c.closed ? [c.closed] : c.decisions)].sort((a, b) => a.seq - b.seq);
      out.push({ row: buildCampaignRow(cited, this.params), cites: cited.map((x) => x.id) });
    }
    return out;
  }
}
