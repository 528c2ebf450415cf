// The mark of what comes from the service itself (moderators' notices, statements of reasons).
import { ShieldIcon } from './Icons.tsx';

/**
 * Marks what comes from the service itself. Staff notices arrive only through the notices API (server/services/
 * notices.ts), never as a chat message, and are drawn only here: no handle can look like this (staff-like handles
 * are reserved at registration, server/services/reserved-handles.ts).
 */
export function StaffBadge() {
  return (
    <span className="staff-badge" data-testid="staff-badge">
      <ShieldIcon /> franking-chat staff · official
    </span>
  );
}
