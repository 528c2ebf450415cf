// Prisma's Bytes columns are typed Uint8Array<ArrayBuffer>; views on shared/other buffers are copied.
export type Bytes = Uint8Array<ArrayBuffer>;
export function asBytes(u: Uint8Array): Bytes {
  return u.buffer instanceof ArrayBuffer ? (u as Bytes) : new Uint8Array(u);
}
