// The moderation workflow (docs/MODERATION.md): queue, report detail for moderators, exclusive claim and
// release, notes, decisions with immediate enforcement, notices to the accused and the reporter, audit log
// and statistics. Every change is an appended event; queue state is the fold of those events
// (moderation-state.ts), cached on the Report row in the same transaction.
import { randomBytes } from 'node:crypto';
import {
  REASON_DESCRIPTIONS, type ReasonCode, decodeHeader, describeSenderContext,
} from '../../../client/protocol.ts';
import type { AccountStatus } from '../../data/accounts.ts';
import type { ModerationEventInput, ModerationEventRow, SubjectType } from '../../data/moderation-events.ts';
import type { ModerationRepo, NoticeInput, NoticeRow, QueueRow } from '../../data/moderation.ts';
import type { ReportStateRow } from '../../data/moderation.ts';
import { AppError, InputError, NotFoundError, PermissionError } from '../../errors.ts';
import type { ModerationConfig } from '../../moderation-config.ts';
import {
  type DecisionAction, type ReportState, type StateEvent, ESCALATION_QUEUE, OUTCOME_OF, applyReportEvent, foldReportEvents,
} from './state.ts';
import type { PoliciesService } from '../policies/policies.ts';
import { buildStatement } from '../policies/statements.ts';
import { gapRuns } from '../relay/undelivered.ts';
import { parseStoredContext } from '../reports/intake.ts';

export const QUEUE_VIEWS = ['open', 'claimed', 'mine', 'resolved', 'all'] as const;
export type QueueView = (typeof QUEUE_VIEWS)[number];
export const MAX_NOTE_LENGTH = 4000;
const HISTORY_LIMIT = 20;

export interface Actor {
  actorId: string;
  isAdmin: boolean;
  /** staff role (chat accounts with role moderator/admin act as that role); triage may only claim, dismiss, escalate, note */
  role?: 'triage' | 'moderator' | 'admin' | 'user' | null;
}

export const isTriage = (a: Actor) => a.role === 'triage';
/** Escalated reports jump to at least this priority. */
export const ESCALATION_PRIORITY = 80;

export interface QueueQuery {
  view: QueueView;
  category?: string | undefined;
  verdict?: 'verified' | 'unverified' | undefined;
  accusedId?: string | undefined;
  assigneeId?: string | undefined;
  queue?: string | undefined;
  caseId?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

export interface DecisionInput {
  action: DecisionAction;
  /** suspend only: 1 h – 1 year; absent = indefinitely */
  suspendHours?: number | undefined;
  /** the reason category told to the accused; default: the report's category */
  reasonCategory?: string | undefined;
  /** optional note recorded with the decision (moderators only; never sent to anyone) */
  note?: string | undefined;
  /** the policy the decision cites (required: ModerationPolicy.id) */
  policyId?: string | undefined;
}

export interface MessageView {
  position: number;
  /** The stamp's conversation (a group's id for group messages). */
  conversationId: string;
  /** MLS epoch of a group message (header version 2); null for 1:1 messages. */
  epoch: number | null;
  isReported: boolean;
  messageId: string;
  senderId: string;
  role: string;
  serverTime: number;
  verdict: ReasonCode;
  /** REASON_DESCRIPTIONS[verdict] */
  verdictText: string;
  detail: string | null;
  /** from the verified header; for unverified items the header as claimed, or null if it does not decode */
  seq: number | null;
  sentAt: number | null;
  contentType: string | null;
  /** utf-8 text for text/* bodies */
  text: string | null;
  /** image/* bodies as a data: URL (blurred in the dashboard until the moderator asks) */
  media: { mediaType: string; dataUrl: string; bytes: number } | null;
  attachments: Array<{ mediaType: string; size: number; blobId: string }>;
  bodyBytes: number;
}

const IMAGE_TYPES = /^image\/(png|jpeg|gif|webp)$/;
const MAX_INLINE_MEDIA = 512 * 1024;

export class CursorError extends AppError {}

function encodeCursor(r: { createdAt: Date; id: string; priority: number }): string {
  return Buffer.from(JSON.stringify([r.createdAt.getTime(), r.id, r.priority])).toString('base64url');
}

function decodeCursor(c: string): { createdAt: Date; id: string; priority: number } {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string' && v[1].length <= 64 && Number.isSafeInteger(v[2]))
      return { createdAt: new Date(v[0] as number), id: v[1], priority: v[2] as number };
  } catch {
    /* fall through */
  }
  throw new CursorError('validation_failed', 'cursor: not a cursor this server issued', { issues: [{ path: 'query.cursor', message: 'invalid cursor' }] });
}

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const dayOf = (d: Date) => d.toISOString().slice(0, 10);

export class ModerationService {
  constructor(
    private readonly repo: ModerationRepo,
    /** called after an enforcement action commits (drop cached bearer sessions of the account) */
    private readonly onStandingChanged: (accountId: string) => void,
    private readonly deps: {
      policies: PoliciesService;
      cfg: Pick<ModerationConfig, 'appealWindowMs' | 'retentionMs'>;
      /** an enabled staff member with a role that may hold a claim: for assignment */
      staffRole: (actorId: string) => Promise<'triage' | 'moderator' | 'admin' | null>;
    },
  ) {}

  get config() {
    return this.deps.cfg;
  }

  async queue(q: QueueQuery, me: Actor) {
    const status = { open: 'received', claimed: 'in_review', mine: 'in_review', resolved: 'resolved', all: undefined }[q.view] as
      | 'received' | 'in_review' | 'resolved' | undefined;
    const assigneeId = q.view === 'mine' ? me.actorId : q.assigneeId;
    const direction = q.view === 'resolved' || q.view === 'all' ? 'desc' : 'asc';
    // Open work: priority (routing) high→low, then the longest-waiting first. History: newest first.
    const ordering = direction === 'asc' ? 'priority' : 'time';
    const rows = await this.repo.queue({
      status, assigneeId, category: q.category, verdict: q.verdict, accusedId: q.accusedId, queue: q.queue, caseId: q.caseId,
      after: q.cursor ? decodeCursor(q.cursor) : undefined, direction, ordering, limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    // Two queries for the whole page (never one per row), side by side.
    const [counts, items] = await Promise.all([this.repo.reportCounts([...new Set(page.map((r) => r.accusedId))]), this.repo.reportedItems(page.map((r) => r.id))]);
    const previews = queuePreviews(items);
    const last = page[page.length - 1];
    return {
      reports: page.map((r) => ({ ...r, reportsAgainstAccused: counts.get(r.accusedId) ?? 1, preview: previews.get(r.id) ?? null })),
      nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null,
    };
  }

  async detail(reportId: string) {
    const r = await this.repo.report(reportId);
    if (!r) throw new NotFoundError('report');
    const [items, events, history, accusedEvents, accused, reporter] = await Promise.all([
      this.repo.items(reportId),
      this.repo.events('report', reportId),
      this.repo.accusedHistory(r.accusedId, r.id, HISTORY_LIMIT),
      this.repo.recentEvents('account', r.accusedId, HISTORY_LIMIT),
      this.repo.accountStanding(r.accusedId),
      this.repo.reporterStats(r.reporterId),
    ]);
    const policy = r.policyId ? await this.deps.policies.get(r.policyId).catch(() => null) : null;
    // Reports filed before docs/PROTOCOL.md §8.3.1 have no `gaps`: each run then counts as not included.
    const context = parseStoredContext(r.contextSummary);
    const messages: MessageView[] = items.map((i) => {
      let header: { seq: number; sentAt: number; contentType: string; epoch?: number; attachments: Array<{ mediaType: string; size: number; blobId: string }> } | null = null;
      try {
        if (i.headerJson) header = JSON.parse(i.headerJson) as typeof header;
        else if (i.verdict !== 'malformed') header = decodeHeader(i.header);
      } catch {
        header = null;
      }
      const contentType = header?.contentType ?? null;
      const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
      // The chat's franked group-info message (its name, JSON) is shown as what it is, not as a raw MIME line.
      const isText = contentType === null || mediaType.startsWith('text/') || mediaType === 'application/vnd.franking-chat.group-info+json';
      return {
        position: i.position, isReported: i.isReported, messageId: i.messageId, senderId: i.senderId, role: i.stampRole,
        serverTime: Number(i.serverTime), verdict: i.verdict as ReasonCode, verdictText: REASON_DESCRIPTIONS[i.verdict as ReasonCode] ?? i.verdict,
        detail: i.detail, seq: header?.seq ?? null, sentAt: header?.sentAt ?? null, contentType,
        // MLS group messages (docs/PROTOCOL.md §12.9): the group and the epoch the verified header binds.
        conversationId: i.conversationId, epoch: typeof header?.epoch === 'number' ? header.epoch : null,
        text: isText ? Buffer.from(i.body).toString('utf8') : null,
        media: IMAGE_TYPES.test(mediaType) && i.body.length <= MAX_INLINE_MEDIA
          ? { mediaType, dataUrl: `data:${mediaType};base64,${Buffer.from(i.body).toString('base64')}`, bytes: i.body.length }
          : null,
        attachments: (header?.attachments ?? []).map((a) => ({ mediaType: a.mediaType, size: a.size, blobId: a.blobId })),
        bodyBytes: i.body.length,
      };
    });
    messages.sort((a, b) => a.serverTime - b.serverTime || a.position - b.position);
    return {
      report: {
        id: r.id, reporterId: r.reporterId, accusedId: r.accusedId, conversationId: r.conversationId, messageId: r.messageId,
        category: r.category, comment: r.comment, verdict: r.verdict, status: r.status, outcome: r.outcome,
        assigneeId: r.assigneeId, claimedAt: r.claimedAt, decidedAt: r.decidedAt, decidedBy: r.decidedBy, createdAt: r.createdAt,
        queue: r.queue, priority: r.priority, caseId: r.caseId, policy: policy ? { id: policy.id, name: policy.name } : null,
        contentPurgedAt: r.contentPurgedAt,
      },
      messages,
      context: {
        complete: context.complete,
        senders: context.senders.map((s) => ({
          senderId: s.senderId, conversationId: s.conversationId, firstSeq: s.firstSeq, lastSeq: s.lastSeq, missing: s.missing,
          chainIntact: s.chainIntact, complete: s.complete, summary: describeSenderContext(s),
        })),
        gaps: context.gaps ?? context.senders.flatMap((s) => gapRuns(s.missing).map(([fromSeq, toSeq]) => ({
          conversationId: s.conversationId, senderId: s.senderId, fromSeq, toSeq, count: toSeq - fromSeq + 1,
          refusedWhileBlocked: 0, expiredUndelivered: 0, notIncluded: toSeq - fromSeq + 1,
        }))),
      },
      events,
      accused: {
        id: r.accusedId, status: (accused?.status ?? 'unknown') as AccountStatus | 'unknown', suspendedUntil: accused?.suspendedUntil ?? null,
        createdAt: accused?.createdAt ?? null, reportsTotal: history.total, recentReports: history.recent, recentActions: accusedEvents,
      },
      reporter: {
        id: r.reporterId, reportsTotal: reporter.total, dismissed: reporter.dismissed, decided: reporter.decided,
        /** track record: share of the reporter's decided reports that were upheld (null until one is decided) */
        upheldShare: reporter.decided ? (reporter.decided - reporter.dismissed) / reporter.decided : null,
      },
    };
  }

  /** Read state, apply the rules, compare-and-set; one retry when another writer got there first. */
  private async transition(reportId: string, build: (s: ReportStateRow, now: Date) => Omit<Parameters<ModerationRepo['writeState']>[0], 'reportId' | 'expectedEventCount' | 'at'>): Promise<ReportState> {
    for (let attempt = 0; ; attempt++) {
      const s = await this.repo.state(reportId);
      if (!s) throw new NotFoundError('report');
      const at = new Date();
      const w = build(s, at);
      try {
        await this.repo.writeState({ reportId, expectedEventCount: s.eventCount, at, ...w });
        return w.next;
      } catch (e) {
        if (!AppError.is(e, 'stale_state') || attempt >= 2) throw e;
      }
    }
  }

  private static step(state: ReportState, events: ModerationEventInput[], e: ModerationEventInput, now: Date): ReportState {
    events.push(e);
    return applyReportEvent(state, { type: e.type, actorId: e.actorId, payload: e.payload, createdAt: now });
  }

  async claim(reportId: string, me: Actor): Promise<ReportState> {
    return this.transition(reportId, (s, now) => {
      const events: ModerationEventInput[] = [];
      const next = ModerationService.step(s, events, { subjectType: 'report', subjectId: reportId, type: 'claimed', actorId: me.actorId, payload: {} }, now);
      return { next, events, ...(s.firstActionAt ? {} : { reportFields: { firstActionAt: now } }) };
    });
  }

  /** Triage's way up: give the report to the escalation queue (priority raised), releasing any claim. */
  async escalate(reportId: string, me: Actor, reason?: string): Promise<ReportState> {
    return this.transition(reportId, (s, now) => {
      const events: ModerationEventInput[] = [];
      const priority = Math.max(s.priority, ESCALATION_PRIORITY);
      const next = ModerationService.step(s, events, {
        subjectType: 'report', subjectId: reportId, type: 'escalated', actorId: me.actorId,
        payload: { fromQueue: s.queue, queue: ESCALATION_QUEUE, priority, ...(reason ? { reason } : {}) },
      }, now);
      return { next, events, reportFields: { queue: ESCALATION_QUEUE, priority, ...(s.firstActionAt ? {} : { firstActionAt: now }) } };
    });
  }

  /** Hand the report to another staff member (the holder, an admin for anyone's claim, or anyone if unclaimed). */
  async assign(reportId: string, me: Actor, toActorId: string): Promise<ReportState> {
    const role = await this.deps.staffRole(toActorId);
    if (!role) throw new InputError('validation_failed', `${toActorId} is not an enabled staff member`, { issues: [{ path: 'body.to', message: 'unknown or disabled staff member' }] });
    return this.transition(reportId, (s, now) => {
      const forced = me.isAdmin && s.assigneeId !== null && s.assigneeId !== me.actorId;
      const events: ModerationEventInput[] = [];
      const next = ModerationService.step(s, events, {
        subjectType: 'report', subjectId: reportId, type: 'assigned', actorId: me.actorId,
        payload: { to: toActorId, from: s.assigneeId, ...(forced ? { forced: true } : {}) },
      }, now);
      return { next, events, ...(s.firstActionAt ? {} : { reportFields: { firstActionAt: now } }) };
    });
  }

  async release(reportId: string, me: Actor): Promise<ReportState> {
    return this.transition(reportId, (s, now) => {
      const forced = me.isAdmin && s.assigneeId !== null && s.assigneeId !== me.actorId;
      const events: ModerationEventInput[] = [];
      const next = ModerationService.step(s, events, {
        subjectType: 'report', subjectId: reportId, type: 'released', actorId: me.actorId, payload: forced ? { forced: true, from: s.assigneeId } : {},
      }, now);
      return { next, events };
    });
  }

  async note(reportId: string, me: Actor, text: string): Promise<ModerationEventRow> {
    if (!(await this.repo.state(reportId))) throw new NotFoundError('report');
    return this.repo.appendEvent({ subjectType: 'report', subjectId: reportId, type: 'note', actorId: me.actorId, payload: { text } });
  }

  /**
   * Decide and enforce in one transaction: (claimed, if unclaimed) → decision → action (warn/suspend/ban:
   * the accused's standing and an account_status_changed event) → notices → outcome_sent.
   */
  async decide(reportId: string, me: Actor, d: DecisionInput): Promise<ReportState & { accountStatus: AccountStatus | null; suspendedUntil: Date | null }> {
    let applied: { status: AccountStatus | null; until: Date | null } = { status: null, until: null };
    // Roles: triage may only dismiss (checked before anything is read, so the rule is the same for every report).
    if (isTriage(me) && d.action !== 'dismiss') throw new PermissionError('forbidden', `the triage role may dismiss or escalate, not ${d.action}; escalate the report instead`);
    const policy = await this.deps.policies.citable(d.policyId);
    const first = await this.repo.state(reportId);
    if (!first) throw new NotFoundError('report');
    const reported = d.action === 'dismiss' ? [] : (await this.repo.items(reportId)).filter((i) => i.isReported);
    const template = d.action === 'dismiss' ? '' : await this.deps.policies.template(d.action);
    // A ban is never downgraded by a later suspension (from another report about the same account).
    const alreadyBanned = (await this.repo.accountStanding(first.accusedId))?.status === 'banned';
    const next = await this.transition(reportId, (s, now) => {
      const events: ModerationEventInput[] = [];
      const ev = (type: string, payload: Record<string, unknown>): ModerationEventInput => ({ subjectType: 'report', subjectId: reportId, type, actorId: me.actorId, payload });
      let state: ReportState = s;
      if (s.assigneeId === null && s.status !== 'resolved') state = ModerationService.step(state, events, ev('claimed', { implicit: true }), now);
      const reasonCategory = d.reasonCategory ?? s.category;
      const until = d.action === 'suspend' && d.suspendHours ? new Date(now.getTime() + d.suspendHours * 3_600_000) : null;
      state = ModerationService.step(state, events, ev('decision', {
        action: d.action, reasonCategory, policyId: policy.id, automated: false,
        ...(d.action === 'suspend' ? { suspendHours: d.suspendHours ?? null, until: until?.toISOString() ?? null } : {}),
        ...(d.note ? { note: d.note } : {}),
      }), now);
      const notices: NoticeInput[] = [];
      let accountStatus: Parameters<ModerationRepo['writeState']>[0]['accountStatus'];
      applied = { status: null, until: null };
      if (d.action !== 'dismiss') {
        const keepBan = d.action === 'suspend' && alreadyBanned;
        const status: AccountStatus | null = d.action === 'ban' ? 'banned' : d.action === 'suspend' && !keepBan ? 'suspended' : null;
        if (status) {
          accountStatus = {
            accountId: s.accusedId, status, suspendedUntil: until,
            event: {
              subjectType: 'account', subjectId: s.accusedId, type: 'account_status_changed', actorId: me.actorId,
              payload: { to: status, suspendedUntil: until?.toISOString() ?? null, reason: reasonCategory, reportId },
            },
          };
          applied = { status, until };
        }
        events.push(ev('action', {
          action: d.action, accountId: s.accusedId, accountStatus: status, suspendedUntil: status ? (until?.toISOString() ?? null) : null,
          ...(keepBan ? { unchanged: 'account already banned' } : {}),
        }));
        if (!keepBan) {
          // DSA Art. 17: the statement of reasons, from the admin-edited template of this action.
          const statement = buildStatement({
            template, policy, action: d.action, until, at: now, decisionId: `sor_${randomBytes(12).toString('base64url')}`, automated: false, appealWindowMs: this.deps.cfg.appealWindowMs,
            messages: reported.map((i) => {
              let h: { sentAt?: number; contentType?: string } | null = null;
              try {
                h = i.headerJson ? (JSON.parse(i.headerJson) as { sentAt?: number; contentType?: string }) : null;
              } catch {
                h = null;
              }
              return { messageId: i.messageId, sentAt: h?.sentAt ?? Number(i.serverTime), contentType: h?.contentType ?? null };
            }),
          });
          notices.push({
            accountId: s.accusedId, kind: d.action === 'warn' ? 'warning' : d.action === 'suspend' ? 'suspension' : 'ban',
            reasonCategory, reportId, outcome: null, until, statement: JSON.stringify(statement),
          });
          events.push(ev('statement_sent', { to: s.accusedId, policyId: policy.id, action: d.action }));
        }
      }
      // The reporter learns the outcome, never who decided or any note.
      notices.push({ accountId: s.reporterId, kind: 'report_outcome', reasonCategory: s.category, reportId, outcome: OUTCOME_OF[d.action], until: null });
      events.push(ev('outcome_sent', { to: s.reporterId, outcome: OUTCOME_OF[d.action] }));
      return {
        next: state, events, notices, ...(accountStatus ? { accountStatus } : {}),
        reportFields: { policyId: policy.id, decisionAction: d.action, handlingMs: BigInt(Math.max(0, now.getTime() - s.createdAt.getTime())), automated: false, ...(s.firstActionAt ? {} : { firstActionAt: now }) },
        ...(s.caseId ? { resolveInCase: { caseId: s.caseId, retentionMs: this.deps.cfg.retentionMs } } : {}),
      };
    });
    if (applied.status) this.onStandingChanged((await this.repo.state(reportId))?.accusedId ?? '');
    return { ...next, accountStatus: applied.status, suspendedUntil: applied.until };
  }

  /**
   * The same operation on many reports (Coop-style bulk triage, e.g. dismissing a brigade of reports against
   * one account). Each report is its own transaction with its own rule check; the result says, per report,
   * whether it was applied or which rule refused it. Sequential: bounded load, stable order.
   */
  async bulk(reportIds: readonly string[], me: Actor, op: { op: 'claim' } | { op: 'release' } | ({ op: 'decide' } & DecisionInput)) {
    const results: Array<{ reportId: string; ok: boolean; code: string | null; status: ReportState['status'] | null; outcome: ReportState['outcome'] }> = [];
    for (const reportId of new Set(reportIds)) {
      try {
        let st: ReportState;
        if (op.op === 'claim') st = await this.claim(reportId, me);
        else if (op.op === 'release') st = await this.release(reportId, me);
        else st = await this.decide(reportId, me, op);
        results.push({ reportId, ok: true, code: null, status: st.status, outcome: st.outcome });
      } catch (e) {
        if (!AppError.is(e)) throw e;
        results.push({ reportId, ok: false, code: e.code, status: null, outcome: null });
      }
    }
    return results;
  }

  /** Recomputes the state from the log and compares it with the cached columns (audit / tests / ops). */
  async verifyProjection(reportId: string): Promise<{ matches: boolean; stored: ReportState; derived: ReportState }> {
    const [s, events] = await Promise.all([this.repo.state(reportId), this.repo.events('report', reportId, 100_000)]);
    if (!s) throw new NotFoundError('report');
    const derived = foldReportEvents(events as StateEvent[]);
    const stored: ReportState = {
      status: s.status, outcome: s.outcome, assigneeId: s.assigneeId, claimedAt: s.claimedAt, decidedAt: s.decidedAt, decidedBy: s.decidedBy, eventCount: s.eventCount,
    };
    const norm = (x: ReportState) => JSON.stringify({ ...x, claimedAt: x.claimedAt?.getTime() ?? null, decidedAt: x.decidedAt?.getTime() ?? null });
    return { matches: norm(stored) === norm(derived), stored, derived };
  }

  async audit(f: { before?: number | undefined; type?: string | undefined; actorId?: string | undefined; subjectType?: SubjectType | undefined; subjectId?: string | undefined; limit: number }) {
    const rows = await this.repo.audit({ ...f, limit: f.limit + 1 });
    const page = rows.slice(0, f.limit);
    return { events: page, nextBefore: rows.length > f.limit ? (page[page.length - 1]?.id ?? null) : null };
  }

  async stats(days: number, now = new Date()) {
    const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (days - 1) * 86_400_000);
    const [filed, decided, statusCounts] = await Promise.all([this.repo.filedSince(since), this.repo.decidedSince(since), this.repo.statusCounts()]);
    const perDay = new Map<string, { day: string; filed: number; decided: number; decisionMs: number[] }>();
    for (let t = since.getTime(); t <= now.getTime(); t += 86_400_000) {
      const day = dayOf(new Date(t));
      perDay.set(day, { day, filed: 0, decided: 0, decisionMs: [] });
    }
    for (const c of filed) {
      const d = perDay.get(dayOf(c));
      if (d) d.filed++;
    }
    const outcomes: Record<string, number> = {};
    const byModerator: Record<string, number> = {};
    for (const r of decided) {
      const d = perDay.get(dayOf(r.decidedAt));
      if (d) {
        d.decided++;
        d.decisionMs.push(r.decidedAt.getTime() - r.createdAt.getTime());
      }
      if (r.outcome) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      if (r.decidedBy) byModerator[r.decidedBy] = (byModerator[r.decidedBy] ?? 0) + 1;
    }
    return {
      since, days,
      open: statusCounts.received ?? 0, claimed: statusCounts.in_review ?? 0, resolved: statusCounts.resolved ?? 0,
      medianDecisionMs: median(decided.map((r) => r.decidedAt.getTime() - r.createdAt.getTime())),
      perDay: [...perDay.values()].map((d) => ({ day: d.day, filed: d.filed, decided: d.decided, medianDecisionMs: median(d.decisionMs) })),
      outcomes, byModerator,
    };
  }

  async notices(accountId: string, afterId: number, limit: number): Promise<NoticeRow[]> {
    return this.repo.notices(accountId, afterId, limit);
  }
}

export type { QueueRow };

/** Queue text preview (issue 15): the first 140 characters of a verified, textual reported message. */
export const PREVIEW_CHARS = 140;
function queuePreviews(items: Array<{ reportId: string; body: Uint8Array; headerJson: string | null; verdict: string }>): Map<string, string> {
  const out = new Map<string, string>();
  for (const i of items) {
    let contentType = '';
    try {
      contentType = i.headerJson ? String((JSON.parse(i.headerJson) as { contentType?: unknown }).contentType ?? '') : '';
    } catch {
      continue;
    }
    if (i.verdict !== 'verified' || !contentType.startsWith('text/plain')) continue;
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(i.body);
    } catch {
      continue;
    }
    const flat = text.replace(/\s+/g, ' ').trim();
    out.set(i.reportId, flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS - 1)}…` : flat);
  }
  return out;
}
