// Who acts on a report: a dashboard staff member or a chat account with a staff role (docs/MODERATION.md "Roles").

export interface Actor {
  actorId: string;
  isAdmin: boolean;
  /** staff role (chat accounts with role moderator/admin act as that role); triage may only claim, dismiss, escalate, note */
  role?: 'triage' | 'moderator' | 'admin' | 'user' | null;
}

export const isTriage = (a: Actor) => a.role === 'triage';
