// UTF-8 for message bodies: encoding, and strict decoding that refuses ill-formed input (a message that is not
// valid text is shown as such, never with silent U+FFFD substitutions).
const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const utf8 = (s: string): Uint8Array => encoder.encode(s);

/** Decodes UTF-8 (a leading BOM is kept as U+FEFF); throws TypeError on ill-formed input. */
export function fromUtf8(b: Uint8Array): string {
  return strictDecoder.decode(b);
}
