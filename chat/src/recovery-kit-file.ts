// The recovery kit as a file (docs/PROTOCOL-devices.md D6.5): the same code as the text shown once in "Linked
// devices", with the handle it belongs to and a few words on what it is, so that a person who saved it months ago
// knows what they hold. Plain text (UTF-8), one `name: value` line per field; nothing in it but what the text kit and
// the handle already say. Reading accepts the file or the bare code (one line), and nothing else.

export const KIT_FILE_TITLE = 'franking-chat recovery kit';

/** The file's text for `handle`'s kit (`server`: the chat's address, for the person, not read back). */
export function kitFileText(handle: string, kit: string, server: string): string {
  return [
    KIT_FILE_TITLE,
    '',
    `handle: ${handle}`,
    `server: ${server}`,
    `kit: ${kit}`,
    '',
    'With this kit a new browser takes the account back when every device is lost: open the chat, choose',
    '"Restore from recovery kit" and open this file. It does not bring back messages. Anyone who has it can take',
    'the account over (your devices and contacts would see it): keep it offline, like a spare key.',
    '',
  ].join('\n');
}

/** A file name without characters that file systems refuse. */
export const kitFileName = (handle: string): string => `franking-chat-recovery-kit-${handle.replace(/[^A-Za-z0-9._-]/g, '_')}.txt`;

/**
 * What a kit file (or a pasted bare code) holds: the kit and, from a file, the handle. Null when the text is neither:
 * the kit itself is checked when it is used (decodeKit), so a damaged code is refused there in the same words as a
 * mistyped one.
 */
export function parseKitFile(text: string): { kit: string; handle: string | null } | null {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim());
  const field = (name: string): string | null => {
    const line = lines.find((l) => l.toLowerCase().startsWith(`${name}:`));
    return line === undefined ? null : line.slice(name.length + 1).trim();
  };
  const kit = field('kit');
  if (kit !== null) return kit === '' ? null : { kit, handle: field('handle') || null };
  const words = lines.filter((l) => l !== '');
  if (words.length === 1 && /^[A-Za-z0-9_-]{20,}$/.test(words[0]!)) return { kit: words[0]!, handle: null };
  return null;
}
