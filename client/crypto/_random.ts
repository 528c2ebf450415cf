// Pooled CSPRNG: crypto.getRandomValues costs a few µs per call whatever the size, and franking needs
// three small draws per message (nonce, clientMessageId, fk). Draw 4 KiB at a time and hand each byte
// out exactly once; handed-out bytes are zeroed in the pool so they never exist twice in memory.
// (Node's crypto.randomUUID pools the same way.)
const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let offset = POOL_SIZE;

export function pooledRandomBytes(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`expected non-negative integer length, got ${length}`);
  if (length > POOL_SIZE / 4) return globalThis.crypto.getRandomValues(new Uint8Array(length));
  if (offset + length > POOL_SIZE) {
    globalThis.crypto.getRandomValues(pool);
    offset = 0;
  }
  const out = pool.slice(offset, offset + length);
  pool.fill(0, offset, offset + length);
  offset += length;
  return out;
}
