// Shared zod building blocks of the HTTP API contract. The contract belongs to the SDK: the server imports it
// to validate requests and write the OpenAPI document; the SDK's HTTP client derives its types from it.
import { z } from 'zod';
import { ID_PATTERN } from '../../franking/ids.ts';

export const Id = z.string().regex(ID_PATTERN, 'expected id matching [A-Za-z0-9._:-]{1,64}');

const B64URL = /^[A-Za-z0-9_-]*$/;
const charsFor = (bytes: number) => Math.ceil((bytes * 4) / 3);

/** base64url without padding encoding exactly `bytes` bytes. */
export const b64Exact = (bytes: number) =>
  z
    .string()
    .length(charsFor(bytes), `expected base64url (no padding) of ${bytes} bytes`)
    .regex(B64URL, 'expected base64url (no padding)')
    .meta({ format: 'base64url', description: `${bytes} bytes, base64url without padding` });

/** base64url without padding of at most `maxBytes` (and at least `minBytes`) bytes. */
export const b64Max = (maxBytes: number, minBytes = 0) =>
  z
    .string()
    .min(charsFor(minBytes), `expected at least ${minBytes} bytes`)
    .max(charsFor(maxBytes), `expected at most ${maxBytes} bytes`)
    .regex(B64URL, 'expected base64url (no padding)')
    .refine((s) => s.length % 4 !== 1, 'expected base64url (no padding): impossible length')
    .meta({ format: 'base64url', description: `up to ${maxBytes} bytes, base64url without padding` });

export const U32 = z.number().int().min(0).max(0xffff_ffff);
export const IsoTime = z.string().meta({ format: 'date-time' });
export const Role = z.enum(['recipient', 'sender']);

/** The protocol's stamp JSON (client/franking/report-item.ts StampJson). */
export const StampJson = z
  .strictObject({
    messageId: Id,
    conversationId: Id,
    senderId: Id,
    recipientId: Id,
    role: Role,
    serverTime: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    kid: Id,
    tag: b64Exact(32),
  })
  .meta({ id: 'Stamp', description: 'Server stamp: HMAC-SHA256 under K[kid] (docs/PROTOCOL.md §7)' });
