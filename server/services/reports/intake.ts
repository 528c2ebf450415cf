// Report intake (docs/PROTOCOL.md §8, docs/API.md "Reports"): every revealed item is checked with the
// core verifier (stamp → window → commitment opening → header), gets a verdict with a reason code, and
// is stored with its revealed plaintext. Only report items ever put plaintext in the database.
import { randomBytes } from 'node:crypto';
import {
  type ContextEntry, type ContextReport, FrankingError, type Keyring, type MessageHeader, type ReportItem,
  type ReportItemJson, analyzeContext, reportItemFromJson, toBase64Url, verifyReportItem,
} from '../../../client/protocol.ts';
import { asBytes } from '../../data/_bytes.ts';
import type { ReportItemRow, ReportRow, ReportsRepo, ReportSummaryRow, ReportItemVerdictRow } from '../../data/reports.ts';
import { AppError, InputError, NotFoundError, PermissionError } from '../../errors.ts';
import type { RoutingService } from './routing.ts';
import type { ContextGap, UndeliveredService } from '../relay/undelivered.ts';
import { nodeHmacSha256 } from '../stamping/stamps.ts';

export const MAX_CONTEXT_ITEMS = 50;

export interface SubmitInput {
  category: string;
  comment?: string | undefined;
  reported: SubmittedItem;
  context: SubmittedItem[];
  /** docs/PROTOCOL-devices.md D12.2: the device the bearer token names (recorded, never taken from the body). */
  reportedFromDeviceId?: number | undefined;
}

/** D12.2: an item of §8.1 and, beside it, the device the reporter's app says decrypted the copy. */
export type SubmittedItem = ReportItemJson & { deliveredToDeviceId?: number | undefined };
/** The §8.1 item alone: the verifier parses exactly that shape. */
const itemOnly = ({ deliveredToDeviceId: _d, ...item }: SubmittedItem): ReportItemJson => item;

export interface ReportView extends ReportSummaryRow {
  items: ReportItemVerdictRow[];
  context: ContextReport;
}

const headerToJson = (h: MessageHeader): string =>
  JSON.stringify(h, (_k, v: unknown) => (v instanceof Uint8Array ? toBase64Url(v) : v));

/**
 * The bytes stored for an item that does not decode (verdict `malformed`): its fields as Node's lenient base64url
 * decoder reads them, as before. An item that decodes is stored with the bytes the SDK's strict decoder produced.
 */
const malformedBytes = (s: string) => asBytes(Buffer.from(s, 'base64url'));

export class ReportsService {
  constructor(
    private readonly reports: ReportsRepo,
    private readonly keyring: () => Keyring,
    private readonly windowMs: number,
    /** Called once per new report with its verified items (attachments: server/services/blobs/blobs.ts). */
    private readonly onFiled?: (reportId: string, verifiedItems: Array<{ position: number; header: MessageHeader }>) => Promise<void>,
    /** Routing and cases (server/services/reports/routing.ts): queue, priority and case at intake, burst check after. */
    private readonly routing?: RoutingService,
    /** Deliveries the reporter never had: they explain gaps in the context (docs/PROTOCOL.md §8.3.1). */
    private readonly undelivered?: UndeliveredService,
  ) {}

  async submit(reporterId: string, input: SubmitInput, now = Date.now()): Promise<{ report: ReportView; duplicate: boolean }> {
    const reportedStamp = input.reported.stamp;
    // Receiver binding (§10.2): you report what was delivered to you, never "as" someone else.
    if (reportedStamp.role !== 'recipient' || reportedStamp.recipientId !== reporterId)
      throw new PermissionError('not_a_party', 'the reported item must be a message stamped for you as its recipient');
    let reportedItem: ReportItem;
    try {
      reportedItem = reportItemFromJson(itemOnly(input.reported));
    } catch (e) {
      if (FrankingError.is(e)) throw new InputError('invalid_reported_item', `reported: ${e.message}`);
      throw e;
    }
    const existing = await this.reports.findByReporterAndMessage(reporterId, reportedStamp.messageId);
    if (existing) return { report: await this.view(existing), duplicate: true };

    const rows: ReportItemRow[] = [];
    const verified: ContextEntry[] = [];
    const verifiedHeaders: Array<{ position: number; header: MessageHeader }> = [];
    const all: Array<{ json: SubmittedItem; item: ReportItem | null; isReported: boolean }> = [
      { json: input.reported, item: reportedItem, isReported: true },
      ...input.context.map((json) => {
        try {
          return { json, item: reportItemFromJson(itemOnly(json)), isReported: false };
        } catch (e) {
          if (FrankingError.is(e)) return { json, item: null, isReported: false };
          throw e;
        }
      }),
    ];
    all.forEach(({ json, item, isReported }, position) => {
      const verdict = item
        ? verifyReportItem(item, this.keyring(), reporterId, now, this.windowMs, { hmac: nodeHmacSha256 })
        : ({ ok: false, reason: 'malformed', detail: 'item does not decode' } as const);
      if (verdict.ok && item) {
        verified.push({ stamp: item.stamp, header: verdict.header, commitment: item.commitment });
        verifiedHeaders.push({ position, header: verdict.header });
      }
      const s = json.stamp;
      rows.push({
        position, isReported, messageId: s.messageId, conversationId: s.conversationId, senderId: s.senderId,
        recipientId: s.recipientId, stampRole: s.role, serverTime: BigInt(s.serverTime), kid: s.kid,
        ...(item
          ? { tag: asBytes(item.stamp.tag), commitment: asBytes(item.commitment), fk: asBytes(item.fk), header: asBytes(item.header), body: asBytes(item.body) }
          : { tag: malformedBytes(s.tag), commitment: malformedBytes(json.commitment), fk: malformedBytes(json.fk), header: malformedBytes(json.header), body: malformedBytes(json.body) }),
        verdict: verdict.reason, detail: verdict.ok ? null : verdict.detail, headerJson: verdict.ok ? headerToJson(verdict.header) : null,
        deliveredToDeviceId: json.deliveredToDeviceId === undefined ? null : BigInt(json.deliveredToDeviceId),
      });
    });
    const context = verified.length ? analyzeContext(verified) : { senders: [], complete: true };
    // §8.3.1: stored with the report, so its account of the gaps stays the same after the records expire.
    const gaps: ContextGap[] = this.undelivered ? await this.undelivered.explainGaps(reporterId, context, verified) : [];
    const reportedVerdict = rows[0]?.verdict === 'verified' ? 'verified' : 'unverified';
    const id = `r_${randomBytes(12).toString('base64url')}`;
    const create = async () => {
      const routed = this.routing
        ? await this.routing.route({ reporterId, accusedId: reportedStamp.senderId, category: input.category, verdict: reportedVerdict }, new Date(now))
        : null;
      const created = await this.reports.create(
        {
          id, reporterId, accusedId: reportedStamp.senderId, conversationId: reportedStamp.conversationId,
          messageId: reportedStamp.messageId, category: input.category, comment: input.comment ?? null,
          verdict: reportedVerdict, contextSummary: JSON.stringify({ ...context, gaps }),
          reportedFromDeviceId: input.reportedFromDeviceId === undefined ? null : BigInt(input.reportedFromDeviceId),
        },
        rows,
        {
          subjectType: 'report', subjectId: id, type: 'report_filed', actorId: reporterId,
          payload: { category: input.category, verdict: reportedVerdict, items: rows.length, verifiedItems: verified.length, accusedId: reportedStamp.senderId },
        },
        routed && this.routing ? { caseId: routed.caseId, queue: routed.queue, priority: routed.priority, events: [this.routing.routedEvent(id, routed)] } : undefined,
      );
      return { created, routed };
    };
    let attempt;
    try {
      attempt = await create();
    } catch (e) {
      // The case closed between routing and writing: route again (a fresh case).
      if (!AppError.is(e, 'stale_state')) throw e;
      attempt = await create();
    }
    const { created, routed } = attempt;
    if (created && routed && this.routing) await this.routing.checkBurst(routed, reportedStamp.senderId, new Date(now));
    if (!created) {
      // Lost a race with the same reporter reporting the same message: return the winner.
      const winner = await this.reports.findByReporterAndMessage(reporterId, reportedStamp.messageId);
      if (!winner) throw new Error('report vanished after a unique-key conflict');
      return { report: await this.view(winner), duplicate: true };
    }
    if (this.onFiled) await this.onFiled(id, verifiedHeaders);
    return { report: await this.view(created), duplicate: false };
  }

  private async view(r: ReportRow): Promise<ReportView> {
    const { comment: _c, contextSummary, ...summary } = r;
    const { gaps: _g, ...context } = parseStoredContext(contextSummary);
    return { ...summary, items: await this.reports.itemVerdicts(r.id), context };
  }

  /** The reporter's own reports only; anyone else's report does not exist for them. */
  async get(reporterId: string, id: string): Promise<ReportView> {
    const r = await this.reports.find(id);
    if (!r || r.reporterId !== reporterId) throw new NotFoundError('report');
    return this.view(r);
  }

  async list(reporterId: string, limit = 100): Promise<ReportSummaryRow[]> {
    return this.reports.listByReporter(reporterId, limit);
  }
}

/**
 * A report's stored context analysis, as filed. Reports filed before protocol messages were told apart
 * (docs/PROTOCOL.md §8.4) have no `protocol` list per sender, and those filed before §8.3.1 no `gaps`: both read as
 * empty, so a report stays readable however old it is.
 */
export function parseStoredContext(contextSummary: string): ContextReport & { gaps?: ContextGap[] } {
  const stored = JSON.parse(contextSummary) as ContextReport & { gaps?: ContextGap[] };
  return { ...stored, senders: stored.senders.map((s) => ({ ...s, protocol: s.protocol ?? [] })) };
}
