// The chat's device helpers (chat/src/engine/devices.ts, fanout.ts): the genesis a registration or migration signs
// (docs/PROTOCOL-devices.md D8.2, D17.1) verifies as version 1 with this device as device 1; the recovery kit text
// (D2.4) round-trips and nothing else passes for one; a device_mismatch problem (D13.4) yields its accounts.
import { describe, expect, it } from 'vitest';
import { ApiError, DeviceListError, deviceMismatchOf, generateCredentialKey, generateIdentity, recoveryKeyFromKit, verifyListStep } from '@franking-chat/sdk';
import { ChatError } from '../../chat/src/engine/errors.ts';
import { decodeKit, encodeKit, genesisList } from '../../chat/src/engine/devices.ts';

describe('genesis list', () => {
  it('is a version 1 list signed by this device, with its identity and credential keys as device 1', () => {
    const identity = generateIdentity();
    const credential = generateCredentialKey();
    const v = verifyListStep(null, genesisList('alice', identity, credential.publicKey, 1_700_000_000_000), 'alice');
    const list = v.signed.list;
    expect([list.listVersion, list.kind, list.nextDeviceId, list.recoveryKey]).toEqual([1, 'genesis', 2, null]);
    expect(list.devices).toHaveLength(1);
    expect(list.devices[0]).toMatchObject({ deviceId: 1, identitySigningKey: identity.signingPublicKey, identityDhKey: identity.dhPublicKey, credentialKey: credential.publicKey, linkedAt: 1_700_000_000_000 });
    expect([v.signed.signerKind, v.signed.signerDeviceId]).toEqual(['device', 1]);
  });

  it('is refused for another account, and when a byte of it changes', () => {
    const bytes = genesisList('alice', generateIdentity(), generateCredentialKey().publicKey, 1);
    expect(() => verifyListStep(null, bytes, 'mallory')).toThrow(DeviceListError);
    const tampered = bytes.slice();
    const at = tampered.length - 70; // inside the signature
    tampered[at] = (tampered[at] as number) ^ 1;
    expect(() => verifyListStep(null, tampered, 'alice')).toThrow(DeviceListError);
  });
});

describe('recovery kit text', () => {
  it('round-trips and gives the same recovery key', () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const back = decodeKit(` ${encodeKit(secret)}\n`); // as pasted, with spaces around
    expect(back).toEqual(secret);
    expect(recoveryKeyFromKit(back).publicKey).toEqual(recoveryKeyFromKit(secret).publicKey);
  });

  it.each([['too short', encodeKit(new Uint8Array(31))], ['not base64url', 'not a kit!'], ['empty', '']])('refuses %s', (_name, text) => {
    expect(() => decodeKit(text)).toThrow(ChatError);
  });
});

describe('device_mismatch accounts (deviceMismatchOf of the SDK, as the outbox of the chat reads them)', () => {
  it('are read from the problem document, are empty when it names none, and absent for another error', () => {
    const accounts = [{ accountId: 'bob', listVersion: 2, listHash: 'h', missing: [2], extra: [], stale: true }];
    const problem = { type: 'urn:franking-chat:problem:device_mismatch', title: 't', status: 409, detail: 'd', code: 'device_mismatch', accounts };
    expect(deviceMismatchOf(new ApiError(problem as never, problem as never))).toEqual(accounts);
    expect(deviceMismatchOf(new ApiError({ ...problem, accounts: undefined } as never, null))).toEqual([]);
    const other = { ...problem, code: 'rate_limited', status: 429 };
    expect(deviceMismatchOf(new ApiError(other as never, other as never))).toBeUndefined();
    expect(deviceMismatchOf(new Error('device_mismatch'))).toBeUndefined();
  });
});
