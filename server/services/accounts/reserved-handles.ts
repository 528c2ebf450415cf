// Handles that could pass for the service or its staff (docs/API.md "Reserved handles"). A chat account named
// "admin" writing "Official notice from the franking-chat admin team…" is impersonation, and a moderator then reads
// "Ban admin?". Registration refuses any handle whose folded form is reserved; staff notices reach people only
// through the notices API and are drawn by the chat as from the service, never as a message from a handle.
//
// Folding (what "the same handle" means here), in this order:
//   1. letter case: lower case;
//   2. look-alike characters: 0→o, 1→l, i→l, |→l, 3→e, 4→a, 5→s, 7→t, 8→b, $→s, @→a, and "rn"→m, "vv"→w;
//   3. separators: dots, dashes and underscores are removed.
// A handle is reserved when
//   - its whole folded form is a reserved word ("ADMIN", "a.d.m.i.n", "Adm1n", "m0derator"), or
//   - one of its parts (split at dots, dashes and underscores), folded, with or without trailing digits, is a
//     reserved word ("admin-team", "the.moderator", "support_24", "staff1", "mod-squad"), or
//   - its folded form begins or ends with one of the unmistakable words (STRONG: "adminteam", "frankingchathelp",
//     "chiefmoderator"), which ordinary names do not contain.
// Parts keep ordinary names free: "staffer", "Stafford", "modesto", "helper" and "rooted" are not reserved.

/** Reserved inside longer handles too, without separators (see the rules above). */
const STRONG = ['admin', 'administrator', 'moderator', 'franking', 'frankingchat', 'official'] as const;

/** Built in: the service's name and the roles people associate with its staff. The operator adds more (RESERVED_HANDLES). */
export const BUILT_IN_RESERVED = [
  'franking-chat', 'franking', 'admin', 'administrator', 'admins', 'moderator', 'moderators', 'mod', 'mods', 'modteam',
  'support', 'staff', 'system', 'official', 'security', 'trust-and-safety', 'help', 'helpdesk', 'root', 'operator',
] as const;

const LOOK_ALIKES: Record<string, string> = { '0': 'o', '1': 'l', i: 'l', '|': 'l', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', $: 's', '@': 'a' };

/** Steps 1–3 of the folding above. */
export function foldHandle(handle: string): string {
  const lower = handle.toLowerCase();
  const mapped = [...lower].map((ch) => LOOK_ALIKES[ch] ?? ch).join('');
  return mapped.replace(/[._-]/g, '').replace(/rn/g, 'm').replace(/vv/g, 'w');
}

export class ReservedHandles {
  private readonly words: Set<string>;
  private readonly strong = STRONG.map(foldHandle);

  /** `extra`: the operator's own reserved words (RESERVED_HANDLES), folded like the built-in ones. */
  constructor(extra: readonly string[] = []) {
    this.words = new Set([...BUILT_IN_RESERVED, ...extra].map((w) => foldHandle(w.trim())).filter((w) => w.length > 0));
  }

  /** The (folded) reserved word this handle would pass for, or null when it is free. */
  match(handle: string): string | null {
    const whole = foldHandle(handle);
    if (this.words.has(whole)) return whole;
    for (const part of handle.split(/[._-]+/)) {
      for (const f of [foldHandle(part), foldHandle(part.replace(/[0-9]+$/, ''))]) if (f && this.words.has(f)) return f;
    }
    return this.strong.find((w) => whole.startsWith(w) || whole.endsWith(w)) ?? null;
  }
}

/** RESERVED_HANDLES: comma- or whitespace-separated words the operator reserves on top of the built-in list. */
export function parseReservedHandles(raw: string | undefined): string[] {
  return (raw ?? '').split(/[\s,]+/).map((w) => w.trim()).filter(Boolean);
}
