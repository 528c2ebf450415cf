// Typed errors of the device list (docs/PROTOCOL-devices.md D18): one stable code per check of D5.1, D5.2 and D5.3.
// The chat maps them to plain words; the server's HTTP edge answers `invalid_device_list` (D8) and never sends them.

export const DEVICE_LIST_ERROR_CODES = [
  'malformed', // D5.1 step 1: SignedDeviceList or DeviceList does not decode canonically (D4.1, D4.2)
  'wrong_account', // step 2: the list names another account than the one asked for
  'version_not_next', // step 3: not version 1 without a previous list, not previous + 1 with one
  'prev_mismatch', // step 4: prevListHash is not the previous list's listHash
  'kind_mismatch', // step 5: kind, signer kind and device count do not fit together
  'not_a_signer', // step 6: the signer is not a device of the previous list (nor its recovery key)
  'bad_signature', // step 7: the signature does not verify under the signer's key
  'entry_changed', // step 8: a kept device's entry changed (other than its own credential key rotation)
  'device_id_reused', // step 8: nextDeviceId decreased, or a new device takes an id already used
  'bad_cosignature', // step 9: an added device did not counter-sign, more than one was added, or a stray cosignature
  'too_many_devices', // step 10: more than MAX_DEVICES devices
  'stale_list', // D5.3: a list older than the pinned version, replayed
  'fork', // D5.3: another list for a version already pinned
  'not_logged', // D5.2: no key-log inclusion proof for a list (or the proof does not verify)
] as const;
export type DeviceListErrorCode = (typeof DEVICE_LIST_ERROR_CODES)[number];

export class DeviceListError extends Error {
  override readonly name = 'DeviceListError';
  constructor(
    readonly code: DeviceListErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** Type guard, optionally narrowed to one code: `if (DeviceListError.is(e, 'fork'))`. */
  static is(e: unknown, code?: DeviceListErrorCode): e is DeviceListError {
    return e instanceof DeviceListError && (code === undefined || e.code === code);
  }
}

export const malformedList = (what: string): DeviceListError => new DeviceListError('malformed', what);

// D15 / D18: the history archive. Decryption failures keep their AttachmentError codes (PROTOCOL.md §11.6).
export const HISTORY_ERROR_CODES = [
  'malformed', // D15.5 step 3: the plaintext or a known record does not decode exactly; a descriptor that does not decode
  'wrong_archive', // D15.5 steps 1 and 3: another account, another target device, or a list that is not ours or lacks a device
  'unsupported_version', // D15.5 step 3: magic right, formatVersion unknown (or a descriptor version unknown)
] as const;
export type HistoryErrorCode = (typeof HISTORY_ERROR_CODES)[number];

export class HistoryError extends Error {
  override readonly name = 'HistoryError';
  constructor(
    readonly code: HistoryErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** Type guard, optionally narrowed to one code: `if (HistoryError.is(e, 'wrong_archive'))`. */
  static is(e: unknown, code?: HistoryErrorCode): e is HistoryError {
    return e instanceof HistoryError && (code === undefined || e.code === code);
  }
}

// D9 / D11 / D18: sessions per device, fan-out and receiving copies. Session and franking failures keep their own
// codes (SessionError, FrankingError); these are the device checks around them.
export const DEVICE_ERROR_CODES = [
  'wrong_device', // D11.3 step 1: the copy is addressed to another device or account (or in another role); not decrypted
  'unknown_device', // D9, D11.3 step 2: the device is not in the pinned, verified list of its account
  'binding_mismatch', // D9: a bundle's or a prekey message's identity keys differ from the device's verified entry
  'ghost_device', // D11.2 step 4: the relay's current list is not the one verification reaches
  'devices_unsettled', // D11.2 step 4: still device_mismatch after 3 rounds
  'link_mismatch', // D6.1 step 3: the list to cosign does not add exactly this device with its own keys
] as const;
export type DeviceErrorCode = (typeof DEVICE_ERROR_CODES)[number];

export class DeviceError extends Error {
  override readonly name = 'DeviceError';
  constructor(
    readonly code: DeviceErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** Type guard, optionally narrowed to one code: `if (DeviceError.is(e, 'wrong_device'))`. */
  static is(e: unknown, code?: DeviceErrorCode): e is DeviceError {
    return e instanceof DeviceError && (code === undefined || e.code === code);
  }
}
