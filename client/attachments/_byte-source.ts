// Reading an attachment's bytes from any ByteSource (docs/PROTOCOL.md §11: encryption and decryption stream
// from arrays, (async) iterables or a ReadableStream alike). SDK-internal.
import { abytes } from '../crypto/_bytes.ts';
import type { ByteSource } from './attachment-params.ts';

function isReadableStream(s: unknown): s is ReadableStream<Uint8Array> {
  return typeof s === 'object' && s !== null && typeof (s as ReadableStream).getReader === 'function';
}

/** Normalises a ByteSource; every piece must be a Uint8Array (TypeError otherwise). */
export async function* iterateBytes(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  if (isReadableStream(source)) {
    const reader = source.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield abytes(value, undefined, 'stream chunk');
      }
    } finally {
      reader.releaseLock();
    }
  }
  if (typeof source !== 'object' || source === null || !(Symbol.asyncIterator in source || Symbol.iterator in source))
    throw new TypeError('source: expected Uint8Array, iterable, async iterable or ReadableStream');
  for await (const piece of source as AsyncIterable<Uint8Array>) yield abytes(piece, undefined, 'source chunk');
}
