// Moderation events in plain sentences (docs/MODERATION.md "The event log and the derived queue state"): the audit log and the report page show these; the raw JSON
// stays one click away ("Show JSON"). Unknown event types fall back to their name and the JSON.
import { type ModEvent, categoryLabel, fmtTime } from './api.ts';

const who = (actor: string | null) => (actor === null ? 'The system' : actor);

/** What happened, as a short phrase without the actor (the report page lists actors in their own column). */
export function describeEvent(e: ModEvent): string {
  const p = e.payload;
  switch (e.type) {
    case 'report_filed': return `report filed (${String(p.items)} messages, ${String(p.verifiedItems)} verified)`;
    case 'claimed': return p.implicit ? 'claimed (with the decision)' : 'claimed';
    case 'released': return p.forced ? `released ${String(p.from)}'s claim (admin)` : 'released';
    case 'note': return `note: ${String(p.text)}`;
    case 'decision': return `decision: ${String(p.action)}${p.suspendHours ? ` for ${String(p.suspendHours)} h` : p.action === 'suspend' ? ' indefinitely' : ''} (reason: ${categoryLabel(String(p.reasonCategory))})${p.note ? ` — ${String(p.note)}` : ''}`;
    case 'action': return p.accountStatus ? `account ${String(p.accountId)} ${String(p.accountStatus)}${p.suspendedUntil ? ` until ${fmtTime(String(p.suspendedUntil))}` : ''}` : `warning sent to ${String(p.accountId)}`;
    case 'outcome_sent': return `reporter told: ${String(p.outcome)}`;
    case 'attachment_viewed': return `viewed attachment ${String(p.position)}.${String(p.index)} (${String(p.mediaType)})`;
    case 'account_status_changed': return `status → ${String(p.to)}${p.suspendedUntil ? ` until ${fmtTime(String(p.suspendedUntil))}` : ''}${p.reason ? ` (${String(p.reason)})` : ''}`;
    case 'handle_released': return `handle released for reset code ${String(p.fingerprint).replace(/(\d{5})(?=\d)/g, '$1 ')} until ${fmtTime(String(p.expiresAt))} (${String(p.reason)})`;
    case 'handle_release_revoked': return `handle release revoked: its reset code can no longer reset the account (${String(p.reason)})`;
    case 'account_reset': return `account reset by the released device (device ${String(p.deviceId)}, list version ${String(p.listVersion)}): new keys, every contact sees the safety number change`;
    case 'account_role_changed': return `role → ${String((p.to as string | undefined) ?? p.role)}`;
    case 'moderator_created': return `staff account created as ${String(p.role)} (${String(p.displayName)})`;
    case 'moderator_updated': {
      const parts: string[] = [];
      const role = p.role as { from?: string; to?: string } | undefined;
      const disabled = p.disabled as { to?: boolean } | undefined;
      if (role) parts.push(`role ${String(role.from)} → ${String(role.to)}`);
      if (disabled) parts.push(disabled.to ? 'disabled' : 'enabled');
      if (p.passwordReset) parts.push('password reset');
      if (p.twoFactorReset) parts.push('two-factor login removed');
      return parts.length ? parts.join(', ') : 'staff account changed';
    }
    case 'moderator_password_changed': return 'changed their own password';
    case 'moderator_totp_enabled': return 'turned on two-factor login';
    case 'moderator_totp_disabled': return 'turned off two-factor login';
    case 'moderator_locked': return `login locked after ${String(p.failedLogins)} failures (old lockout)`;
    default: return e.type.replace(/_/g, ' ');
  }
}

/** A whole sentence: who did what to which subject. */
export function eventSentence(e: ModEvent): string {
  const subject = e.subjectType === 'report' ? `report ${e.subjectId}` : e.subjectType === 'moderator' ? `staff account ${e.subjectId}` : `${e.subjectType} ${e.subjectId}`;
  return `${who(e.actorId)} · ${subject}: ${describeEvent(e)}.`;
}
