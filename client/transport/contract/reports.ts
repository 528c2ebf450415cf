// API contract: reports (request and response schemas; docs/API.md). The server validates with these; the SDK types from them.
import { z } from 'zod';
import { b64Exact, b64Max, Id, IsoTime, StampJson } from './_common.ts';
import { defineOperation } from './_operation.ts';
import { endpoints } from './endpoints.ts';

export const MAX_REVEALED_BODY_BYTES = 64 * 1024;
export const MAX_HEADER_BYTES = 65_535;

export const ReportItemJson = z
  .strictObject({
    stamp: StampJson,
    commitment: b64Exact(32),
    fk: b64Exact(32),
    header: b64Max(MAX_HEADER_BYTES, 1).meta({ description: 'the encoded franked header, exactly as committed' }),
    body: b64Max(MAX_REVEALED_BODY_BYTES),
  })
  .meta({ id: 'ReportItem', description: 'A revealed message (client reportItemToJson)' });

/**
 * A report item as submitted (docs/PROTOCOL-devices.md D12.2): the item of §8.1, and beside it the device that
 * decrypted the copy as the reporter's app states it (for imported history the record's value, D15.3).
 */
export const SubmittedReportItem = ReportItemJson.extend({
  deliveredToDeviceId: z.number().int().min(1).max(0xffff_ffff).optional().meta({ description: "the reporter's device that received the copy, as its app states it (docs/PROTOCOL-devices.md D12.2)" }),
}).meta({ id: 'SubmittedReportItem' });

export const REPORT_CATEGORIES = ['harassment', 'hate', 'threat', 'sexual', 'spam', 'scam', 'self_harm', 'other'] as const;

export const SubmitReportRequest = z
  .strictObject({
    category: z.enum(REPORT_CATEGORIES),
    comment: z.string().max(2000).optional(),
    reported: SubmittedReportItem,
    context: z.array(SubmittedReportItem).max(50).default([]),
  })
  .meta({ id: 'SubmitReportRequest' });

export const Verdict = z.enum(['verified', 'malformed', 'not_a_party', 'unknown_key', 'retired_key', 'stamp_invalid', 'outside_window', 'commitment_mismatch', 'header_mismatch']);
export const ReportSummary = z
  .strictObject({
    id: Id,
    messageId: Id,
    conversationId: Id,
    accusedId: Id,
    category: z.string(),
    status: z.string().meta({ description: 'received | in_review | resolved' }),
    outcome: z.string().nullable().meta({ description: 'null until decided: dismissed | warned | suspended | banned' }),
    verdict: z.enum(['verified', 'unverified']),
    createdAt: IsoTime,
    updatedAt: IsoTime,
  })
  .meta({ id: 'ReportSummary' });
export const ReportDetail = ReportSummary.extend({
  duplicate: z.boolean().optional().meta({ description: 'true when this reporter had already reported this message' }),
  items: z.array(
    z.strictObject({
      position: z.number().int(),
      isReported: z.boolean(),
      messageId: Id,
      senderId: Id,
      serverTime: z.number().int(),
      verdict: Verdict,
      detail: z.string().nullable(),
      deliveredToDeviceId: z.number().int().nullable().optional().meta({ description: 'as the reporter\'s app stated it (docs/PROTOCOL-devices.md D12.2)' }),
    }),
  ),
  reportedFromDeviceId: z.number().int().nullable().optional().meta({ description: 'the device whose token filed the report (docs/PROTOCOL-devices.md D12.2)' }),
  context: z.object({ senders: z.array(z.record(z.string(), z.unknown())), complete: z.boolean() }).meta({ description: 'client analyzeContext()' }),
}).meta({ id: 'ReportDetail' });
export const ReportList = z.strictObject({ reports: z.array(ReportSummary) }).meta({ id: 'ReportList' });
export const ReportParams = z.strictObject({ reportId: Id });

export const reportOperations = {
  submitReport: defineOperation(endpoints.submitReport, {
    tag: 'reports', rateLimit: 'report', summary: 'Report a received message with context; 201 new, 200 when already reported by you',
    body: SubmitReportRequest, response: ReportDetail,
  }),
  listReports: defineOperation(endpoints.listReports, {
    tag: 'reports', summary: "The caller's reports with status and outcome (newest first, at most 100)", response: ReportList,
  }),
  getReport: defineOperation(endpoints.getReport, {
    tag: 'reports', summary: 'One of your reports, with per-item verdicts and context completeness', params: ReportParams, response: ReportDetail,
  }),
} as const;
