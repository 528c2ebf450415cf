// Signed evidence packages for lawful requests (docs/MODERATION.md "Evidence packages"): a report or a case
// exported with its revealed items, each item's verification result and reason, and the decision history,
// signed with the moderation service's Ed25519 key (public key at EVIDENCE_KEY_PATH). Only content a reporter
// revealed can leave: the package is built from ReportItem rows, which hold nothing else. Every export is an
// `evidence_exported` event (with the package's SHA-256) on the exported subject.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { REASON_DESCRIPTIONS, type ReasonCode, toBase64Url, fromBase64Url } from '../../../client/protocol.ts';
import type { ModerationCasesRepo } from '../../data/moderation-cases.ts';
import type { ModerationRepo } from '../../data/moderation.ts';
import { AppError, NotFoundError } from '../../errors.ts';
import { ATTESTATION, EVIDENCE_FORMAT, EVIDENCE_KEY_PATH, type EvidencePackage, type EvidenceReport, signPackage } from './evidence-format.ts';

export interface EvidenceKey {
  keyId: string;
  seed: Uint8Array;
  publicKey: Uint8Array;
  createdAt: string;
}

const MAX_CASE_REPORTS = 500;

/**
 * The key file (mode 0600) beside the stamping keyring. Created once with O_EXCL, so processes starting together
 * agree on one key (the loser reads the winner's file); several machines must share the file, like the keyring.
 */
export function loadEvidenceKey(file: string): EvidenceKey {
  const read = (): EvidenceKey => {
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { keyId: string; seed: string; createdAt: string };
    const seed = fromBase64Url(j.seed);
    return { keyId: j.keyId, seed, publicKey: ed25519.getPublicKey(seed), createdAt: j.createdAt };
  };
  if (fs.existsSync(file)) return read();
  const seed = randomBytes(32);
  const publicKey = ed25519.getPublicKey(seed);
  const keyId = `ev_${toBase64Url(createHash('sha256').update(publicKey).digest().subarray(0, 9))}`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, JSON.stringify({ keyId, seed: toBase64Url(seed), createdAt: new Date().toISOString() }), { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return read();
}

export class EvidenceService {
  private key: EvidenceKey | null = null;

  constructor(
    private readonly mod: ModerationRepo,
    private readonly cases: ModerationCasesRepo,
    private readonly keyFile: string,
  ) {}

  signingKey(): EvidenceKey {
    this.key ??= loadEvidenceKey(this.keyFile);
    return this.key;
  }

  publicKeyDocument() {
    const k = this.signingKey();
    return { alg: 'Ed25519' as const, keyId: k.keyId, publicKey: toBase64Url(k.publicKey), createdAt: k.createdAt, use: 'evidence-package signatures', format: EVIDENCE_FORMAT };
  }

  private async reportEvidence(reportId: string): Promise<EvidenceReport> {
    const r = await this.mod.report(reportId);
    if (!r) throw new NotFoundError('report');
    if (r.contentPurgedAt) throw new AppError('evidence_purged', `the revealed content of report ${reportId} was deleted by retention on ${r.contentPurgedAt.toISOString()}`);
    const [items, events] = await Promise.all([this.mod.fullItems(reportId), this.mod.events('report', reportId, 10_000)]);
    return {
      id: r.id, reporterId: r.reporterId, accusedId: r.accusedId, conversationId: r.conversationId, messageId: r.messageId, category: r.category,
      createdAt: r.createdAt.toISOString(), status: r.status, outcome: r.outcome, policyId: r.policyId,
      items: items.map((i) => ({
        position: i.position, isReported: i.isReported,
        item: {
          stamp: {
            messageId: i.messageId, conversationId: i.conversationId, senderId: i.senderId, recipientId: i.recipientId,
            role: i.stampRole as 'recipient' | 'sender', serverTime: Number(i.serverTime), kid: i.kid, tag: toBase64Url(i.tag),
          },
          commitment: toBase64Url(i.commitment), fk: toBase64Url(i.fk), header: toBase64Url(i.header), body: toBase64Url(i.body),
        },
        verification: { result: i.verdict, reason: REASON_DESCRIPTIONS[i.verdict as ReasonCode] ?? i.verdict, detail: i.detail },
      })),
      // Internal notes are moderators' working text, not part of the decision record handed out.
      history: events.filter((e) => e.type !== 'note').map((e) => {
        const { note: _n, text: _t, ...payload } = e.payload;
        return { id: e.id, type: e.type, actorId: e.actorId, createdAt: e.createdAt.toISOString(), payload };
      }),
    };
  }

  /** Builds, signs and audits one package; returns the file bytes and its SHA-256. */
  async export(
    subject: { type: 'report' | 'case'; id: string }, actorId: string,
    /** stated by the exporting admin in the export dialog (docs/MODERATION.md "Evidence packages") */
    request: { purpose: string; requestReference: string | null }, now = new Date(),
  ): Promise<{ file: string; sha256: string; packageId: string }> {
    const { purpose, requestReference } = request;
    let reportIds: string[];
    if (subject.type === 'case') {
      const c = await this.cases.find(subject.id);
      if (!c) throw new NotFoundError('case');
      reportIds = (await this.cases.caseReports(subject.id, MAX_CASE_REPORTS)).map((r) => r.id);
    } else reportIds = [subject.id];
    const reports: EvidenceReport[] = [];
    for (const id of reportIds) reports.push(await this.reportEvidence(id));
    const k = this.signingKey();
    const packageId = `ep_${randomBytes(9).toString('base64url')}`;
    const pkg: Omit<EvidencePackage, 'signature'> = {
      format: EVIDENCE_FORMAT, packageId, subject, exportedAt: now.toISOString(), exportedBy: actorId, purpose, requestReference,
      issuer: { keyId: k.keyId, publicKey: toBase64Url(k.publicKey), publicKeyUrl: EVIDENCE_KEY_PATH, alg: 'Ed25519' },
      attests: ATTESTATION, reports,
    };
    const file = signPackage(pkg, k.seed, k.keyId);
    const sha256 = createHash('sha256').update(file).digest('hex');
    const audit = { packageId, sha256, purpose, requestReference, reports: reportIds.length, items: reports.reduce((n, r) => n + r.items.length, 0), keyId: k.keyId };
    await this.mod.appendEvent({ subjectType: subject.type, subjectId: subject.id, type: 'evidence_exported', actorId, payload: audit });
    if (subject.type === 'case')
      for (const id of reportIds) await this.mod.appendEvent({ subjectType: 'report', subjectId: id, type: 'evidence_exported', actorId, payload: { packageId, sha256, purpose, requestReference, viaCase: subject.id } });
    return { file, sha256, packageId };
  }
}
