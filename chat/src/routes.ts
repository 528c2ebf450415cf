// What the main pane shows: a 1:1 conversation (or none yet), a group, or "My reports". The app holds the current
// one; the sidebar switches between them.
export type View = { kind: 'chat'; peerId: string | null } | { kind: 'group'; conversationId: string } | { kind: 'reports' };
