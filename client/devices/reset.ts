// The reset of an account whose every device and recovery kit are lost (docs/PROTOCOL-devices.md D6.6). The new
// device shows its reset code to the operator's support; an admin releases the handle for that code (recorded in the
// moderation event log, docs/MODERATION.md "Account reset"); the device then submits its self-signed reset list
// without a token (PUT /v1/devices/reset). The list itself is built by `resetDeviceList` (changes.ts).
import { fingerprintDigits } from '../session/safety-number.ts';
import { toBase64Url } from '../crypto/_bytes.ts';
import { endpoints } from '../transport/contract/endpoints.ts';
import { invoke } from '../transport/invoke.ts';
import type { NewDeviceKeys } from './changes.ts';

/**
 * D6.6: the reset code of a new device: the 30-digit fingerprint (PROTOCOL-sessions.md §S12) of its keys under the
 * account id — the half of every contact's new safety number that is the account's, so support can read it aloud and
 * a contact can compare it later. The server accepts the reset list only if its device has the released code.
 */
export function resetCode(accountId: string, device: Pick<NewDeviceKeys, 'identitySigningKey' | 'identityDhKey'>): string {
  return fingerprintDigits({ userId: accountId, identity: { signingKey: device.identitySigningKey, dhKey: device.identityDhKey } });
}

/** The code in groups of five digits, as the chat shows it and support types it (spaces are ignored by the server). */
export function formatResetCode(code: string): string {
  if (!/^\d{30}$/.test(code)) throw new RangeError(`expected 30 digits, got length=${code.length}`);
  return (code.match(/\d{5}/g) as string[]).join(' ');
}

/** What the reset submission needs of an API client: its server origin (and fetch). `ApiClient` fits. */
export interface ResetTarget {
  /** Server origin without a trailing slash ("" for same-origin requests in a page). */
  readonly baseUrl: string;
  /** fetch implementation; the global fetch by default. */
  readonly fetch?: typeof fetch;
}

/**
 * D8.1 `PUT /v1/devices/reset`: submits a signed reset list without a token (rate limit `auth`). Resolves with the
 * logged version; throws ApiError `reset_not_allowed` (403) while no live release names the list's device.
 */
export async function submitResetList(target: ResetTarget, signedList: Uint8Array): Promise<{ listVersion: number; listHash: string; leafIndex: number }> {
  const answer = await invoke(endpoints.resetDeviceList, { body: { list: toBase64Url(signedList) } }, { baseUrl: target.baseUrl, ...(target.fetch ? { fetch: target.fetch } : {}) });
  return answer as { listVersion: number; listHash: string; leafIndex: number };
}
