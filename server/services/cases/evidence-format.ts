// Evidence package format (docs/MODERATION.md "Evidence packages"): pure, no server state, so the offline
// verifier (scripts/evidence-verify.ts) and the server share one definition.
//
//   file bytes     = UTF-8( JSON.stringify(package, null, 2) + "\n" ), `signature` the last member
//   signed message = UTF-8( EVIDENCE_SIGNATURE_LABEL ) || UTF-8( JSON.stringify(package without `signature`) )
//   signature      = Ed25519(moderation-service key, signed message)   (RFC 8032)
//
// The verifier insists that the file is exactly that serialisation of itself (no other whitespace, escapes or
// number forms), so any changed byte either breaks the canonical form or changes the signed message.
// What the signature attests: that this server exported exactly these items, verdicts and history at
// exportedAt. What the verifier re-checks without the server: every revealed item opens its commitment and its
// header names the stamp's conversation and sender. What it cannot check: the stamp MAC (HMAC under the
// server's stamping key, kept secret for deniability, docs/PROTOCOL.md) — the server's verdict on it is signed.
import { ed25519 } from '@noble/curves/ed25519.js';
import { verifyEd25519 } from '../_ed25519.ts';
import {
  type ReportItemJson, computeCommitment, decodeHeader, equalBytes, fromBase64Url, reportItemFromJson, toBase64Url,
} from '../../../client/protocol.ts';
import { EVIDENCE_KEY_PATH } from '../../../client/transport/contract/moderation/vocabulary.ts';

export { EVIDENCE_KEY_PATH };

export const EVIDENCE_FORMAT = 'franking-chat/evidence-package/v1';
/** Domain separation for the package signature (never valid as any other signed message of this system). */
export const EVIDENCE_SIGNATURE_LABEL = 'franking-chat/v1/evidence-package\0';

export interface EvidenceItem {
  position: number;
  isReported: boolean;
  /** the revealed item exactly as the reporter submitted it (stamp, commitment, fk, header, body) */
  item: ReportItemJson;
  /** the server's verdict at intake (docs/PROTOCOL.md reason codes) and its reason in words */
  verification: { result: string; reason: string; detail: string | null };
}

export interface EvidenceReport {
  id: string;
  reporterId: string;
  accusedId: string;
  conversationId: string;
  messageId: string;
  category: string;
  createdAt: string;
  status: string;
  outcome: string | null;
  policyId: string | null;
  items: EvidenceItem[];
  /** decision history: the report's events (internal notes left out) */
  history: Array<{ id: number; type: string; actorId: string | null; createdAt: string; payload: Record<string, unknown> }>;
}

export interface EvidencePackage {
  format: typeof EVIDENCE_FORMAT;
  packageId: string;
  subject: { type: 'report' | 'case'; id: string };
  exportedAt: string;
  exportedBy: string;
  /** why the package leaves, as the exporting admin stated it (non-empty) */
  purpose: string;
  /** the requester's reference (case or order number), or null when the admin gave none */
  requestReference: string | null;
  issuer: { keyId: string; publicKey: string; publicKeyUrl: string; alg: 'Ed25519' };
  attests: string;
  reports: EvidenceReport[];
  signature?: { alg: 'Ed25519'; keyId: string; value: string };
}

export const ATTESTATION =
  'Signed by the moderation service: these revealed items, the verification result the service computed for each at intake (including the stamp MAC, which only the service can check), and the decision history, as held at exportedAt. Anyone can re-check offline that each revealed item opens its commitment and that its header names the stamped conversation and sender.';

const enc = new TextEncoder();

export function signedMessage(pkg: EvidencePackage): Uint8Array {
  const { signature: _s, ...rest } = pkg;
  return new Uint8Array([...enc.encode(EVIDENCE_SIGNATURE_LABEL), ...enc.encode(JSON.stringify(rest))]);
}

export function signPackage(pkg: Omit<EvidencePackage, 'signature'>, seed: Uint8Array, keyId: string): string {
  const value = toBase64Url(ed25519.sign(signedMessage(pkg as EvidencePackage), seed));
  return `${JSON.stringify({ ...pkg, signature: { alg: 'Ed25519', keyId, value } }, null, 2)}\n`;
}

export interface ItemCheck {
  reportId: string;
  position: number;
  serverResult: string;
  /** commitment opens and the header agrees with the stamp's conversation and sender */
  opens: boolean;
  problem: string | null;
}

export interface VerifyResult {
  ok: boolean;
  signatureValid: boolean;
  /** the key the signature was checked against (base64url) */
  keyUsed: string | null;
  /** the signed purpose and request reference (null when the package is not readable) */
  purpose: string | null;
  requestReference: string | null;
  items: ItemCheck[];
  errors: string[];
}

/** Re-opens one revealed item with client/ code only: the checks that need no server secret. */
export function reopenItem(json: ReportItemJson): { opens: boolean; problem: string | null } {
  try {
    const it = reportItemFromJson(json);
    if (!equalBytes(computeCommitment(it.fk, it.header, it.body), it.commitment)) return { opens: false, problem: 'commitment does not open' };
    const h = decodeHeader(it.header);
    if (h.conversationId !== it.stamp.conversationId || h.senderId !== it.stamp.senderId) return { opens: false, problem: 'header does not match the stamp' };
    return { opens: true, problem: null };
  } catch (e) {
    return { opens: false, problem: `malformed: ${(e as Error).message}` };
  }
}

/**
 * Verifies a package file: canonical form, Ed25519 signature (against `publicKey` if given — the key from the
 * well-known URL — else the key named inside the package), then every item re-opened. ok only if all hold and
 * every item the server marked verified opens.
 */
export function verifyEvidencePackage(bytes: Uint8Array, publicKey?: Uint8Array): VerifyResult {
  const errors: string[] = [];
  const res: VerifyResult = { ok: false, signatureValid: false, keyUsed: null, purpose: null, requestReference: null, items: [], errors };
  let text: string;
  let pkg: EvidencePackage;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    pkg = JSON.parse(text) as EvidencePackage;
  } catch (e) {
    errors.push(`not a UTF-8 JSON document: ${(e as Error).message}`);
    return res;
  }
  if (typeof pkg !== 'object' || pkg === null || pkg.format !== EVIDENCE_FORMAT) {
    errors.push(`format: expected ${EVIDENCE_FORMAT}`);
    return res;
  }
  if (`${JSON.stringify(pkg, null, 2)}\n` !== text) errors.push('not in canonical form (the file was re-formatted or edited)');
  // Why the package left is part of what is signed: a package without a stated purpose is not valid.
  if (typeof pkg.purpose !== 'string' || pkg.purpose.trim().length < 3) errors.push('purpose: missing or empty');
  else res.purpose = pkg.purpose;
  if (!('requestReference' in pkg) || (pkg.requestReference !== null && (typeof pkg.requestReference !== 'string' || pkg.requestReference.trim() === '')))
    errors.push('requestReference: missing, or neither null nor a non-empty string');
  else res.requestReference = pkg.requestReference;
  const keys = Object.keys(pkg);
  const sig = pkg.signature;
  // The signature object is outside the signed bytes, so it must be exactly {alg, keyId, value} naming the
  // issuer's key, with the value in canonical base64url: nothing in the file is left unchecked.
  if (keys[keys.length - 1] !== 'signature' || !sig || JSON.stringify(Object.keys(sig)) !== '["alg","keyId","value"]' || sig.alg !== 'Ed25519') {
    errors.push('signature: missing, not the last member, or not {alg: "Ed25519", keyId, value}');
    return res;
  }
  if (sig.keyId !== pkg.issuer?.keyId) errors.push('signature.keyId differs from issuer.keyId');
  try {
    if (typeof sig.value !== 'string' || toBase64Url(fromBase64Url(sig.value)) !== sig.value) errors.push('signature.value is not canonical base64url');
  } catch {
    errors.push('signature.value is not base64url');
  }
  try {
    const key = publicKey ?? fromBase64Url(pkg.issuer.publicKey);
    res.keyUsed = toBase64Url(key);
    res.signatureValid = verifyEd25519(key, signedMessage(pkg), fromBase64Url(sig.value));
  } catch (e) {
    errors.push(`signature: ${(e as Error).message}`);
  }
  if (!res.signatureValid) errors.push('signature does not verify');
  for (const r of Array.isArray(pkg.reports) ? pkg.reports : []) {
    for (const i of r.items ?? []) {
      const { opens, problem } = reopenItem(i.item);
      res.items.push({ reportId: r.id, position: i.position, serverResult: i.verification?.result, opens, problem });
      if (i.verification?.result === 'verified' && !opens) errors.push(`report ${r.id} item ${i.position}: marked verified but ${problem ?? 'does not open'}`);
    }
  }
  res.ok = errors.length === 0;
  return res;
}
