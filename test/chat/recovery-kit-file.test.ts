// The recovery kit file (chat/src/recovery-kit-file.ts): what is written reads back to the same handle and kit, a bare
// code reads as a kit, and anything else is refused rather than guessed at.
import { describe, expect, it } from 'vitest';
import { kitFileName, kitFileText, parseKitFile } from '../../chat/src/recovery-kit-file.ts';

const KIT = 'q3Xk0pL9vR2mN8bT4yW6zA1cE5gH7jK9sD3fU0iO2lM';

describe('recovery kit file', () => {
  it('reads back what it writes: the handle and the kit', () => {
    const text = kitFileText('alice', KIT, 'https://chat.example');
    expect(text.startsWith('franking-chat recovery kit\n')).toBe(true);
    expect(parseKitFile(text)).toEqual({ kit: KIT, handle: 'alice' });
  });

  it('survives Windows line ends, a byte-order mark and spaces around the values', () => {
    const text = `\uFEFF${kitFileText('alice', KIT, 'x').replace(/\n/g, '\r\n').replace(`kit: ${KIT}`, `Kit:    ${KIT}   `)}`;
    expect(parseKitFile(text)).toEqual({ kit: KIT, handle: 'alice' });
  });

  it('takes a bare code (the text kit pasted or saved alone) as a kit without a handle', () => {
    expect(parseKitFile(`  ${KIT}\n\n`)).toEqual({ kit: KIT, handle: null });
  });

  it('refuses what is not a kit: an empty kit line, prose, several lines, an empty file', () => {
    expect(parseKitFile('kit:\nhandle: alice')).toBeNull();
    expect(parseKitFile('Dear Alice, here is the shopping list')).toBeNull();
    expect(parseKitFile(`${KIT}\n${KIT}`)).toBeNull();
    expect(parseKitFile('')).toBeNull();
  });

  it('names the file after the handle, with nothing a file system refuses', () => {
    expect(kitFileName('alice')).toBe('franking-chat-recovery-kit-alice.txt');
    expect(kitFileName('a/b:c')).toBe('franking-chat-recovery-kit-a_b_c.txt');
  });
});
