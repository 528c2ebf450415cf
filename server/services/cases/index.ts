// Cases, signed evidence packages, retention and legal hold (docs/MODERATION.md "Cases and brigading",
// "Evidence packages", "Retention and legal hold").
export { CasesService } from './cases.ts';
export { EvidenceService } from './evidence.ts';
export { EVIDENCE_KEY_PATH, type EvidencePackage, signPackage, verifyEvidencePackage } from './evidence-format.ts';
export { RetentionService } from './retention.ts';
export type { CaseRow } from '../../data/moderation-cases.ts';
