// The queue's page cursor: base64url (no padding) of the JSON [createdAt ms, report id, priority] of a page's last
// row. Opaque to clients; anything this server did not issue is refused as a validation error.
import { fromBase64Url, toBase64Url } from '../../../client/protocol.ts';
import { AppError } from '../../errors.ts';

export interface QueuePosition {
  createdAt: Date;
  id: string;
  priority: number;
}

export class CursorError extends AppError {}

export function encodeCursor(r: QueuePosition): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify([r.createdAt.getTime(), r.id, r.priority])));
}

export function decodeCursor(c: string): QueuePosition {
  try {
    const v = JSON.parse(new TextDecoder().decode(fromBase64Url(c, 'cursor'))) as unknown;
    if (Array.isArray(v) && v.length === 3 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string' && v[1].length <= 64 && Number.isSafeInteger(v[2]))
      return { createdAt: new Date(v[0] as number), id: v[1], priority: v[2] as number };
  } catch {
    /* fall through */
  }
  throw new CursorError('validation_failed', 'cursor: not a cursor this server issued', { issues: [{ path: 'query.cursor', message: 'invalid cursor' }] });
}
