// Server-side helpers for the route schemas: the zod building blocks themselves are the SDK's API contract
// (client/transport/contract/); these two convert validated base64url fields with Node's Buffer.
export { IsoTime, Id, Role, StampJson, U32, b64Exact, b64Max } from '../../client/transport/contract/index.ts';

/** Decodes a field the schema already validated as base64url. */
export const bytes = (s: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(s, 'base64url'));
export const b64 = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64url');
