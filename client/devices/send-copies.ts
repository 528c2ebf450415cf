// One franking, many seals — the whole send of a fan-out message (docs/PROTOCOL-devices.md D11.2 step 4, D13.4, D18):
// post the copies; on a `device_mismatch` refusal, refresh and verify the lists of the accounts it names, plan the
// copies to add, drop and seal again (device-mismatch.ts), and post the same franked message again — at most
// MAX_DEVICE_MISMATCH_ROUNDS requests, the third refusal being `devices_unsettled`. The one call an app makes after
// `sendFanOut`: "the SDK refreshes and resends automatically".
import { ApiError } from '../transport/api-error.ts';
import { type DeviceMismatchAccount, MAX_DEVICE_MISMATCH_ROUNDS, applyDeviceMismatchPlan, planDeviceMismatch } from './device-mismatch.ts';
import { DeviceError } from './errors.ts';
import { type FanOutSend, type SessionForTarget, fanOutRequestBody } from './fanout.ts';
import type { VerifiedDeviceList } from './verify-list.ts';

export interface DeliverFanOutOptions<T> {
  /**
   * `POST /v1/messages` with this body (D13.2), e.g. `(body) => api.sendCopies(body)`. A refusal with `device_mismatch`
   * is thrown as the ApiError whose problem carries `accounts` (D13.4); any other error ends the delivery as it is.
   */
  readonly post: (body: ReturnType<typeof fanOutRequestBody>) => Promise<T>;
  /**
   * D5.4: refresh `accountId`'s list to at least `listVersion` and verify it (D5.2, proven in the key log: e.g.
   * `fetchVerifiedDeviceLists` from the pin, then keep the new pin), and return the verified list now pinned. The
   * delivery refuses (`ghost_device`) unless it is exactly the list the relay named.
   */
  readonly refresh: (accountId: string, listVersion: number) => Promise<VerifiedDeviceList>;
  /** The session with a target device, as for sendFanOut (a new device: X3DH after checkBundleForDevice, D9). */
  readonly sessionFor: SessionForTarget;
  /**
   * Called with each send just before it is posted. After a failure that is not a refusal (the network), keep the last
   * one and deliver it again: same clientMessageId, fk, header and c (never franked again, PROTOCOL.md §4.4).
   */
  readonly onSend?: (send: FanOutSend) => void;
}

export interface DeliveredFanOut<T> {
  /** What `post` returned for the accepted send (201: the sender stamp). */
  readonly result: T;
  /** The send the relay accepted (the copies it stores). */
  readonly send: FanOutSend;
  /** The device_mismatch refusals before it was accepted (0–2). */
  readonly refusals: number;
}

/** The D13.4 accounts of a device_mismatch refusal, or undefined for any other error. */
export function deviceMismatchOf(e: unknown): readonly DeviceMismatchAccount[] | undefined {
  if (!ApiError.is(e, 'device_mismatch')) return undefined;
  return (e.problem as { accounts?: DeviceMismatchAccount[] } | null)?.accounts ?? [];
}

/**
 * D11.2 step 4 as one call: posts `send`; on each `device_mismatch` refreshes and verifies every account the answer
 * names (`refresh`), plans (`planDeviceMismatch`: `ghost_device` when a verified list is not the relay's, `unknown_device`
 * when this device left its own list), re-seals through `sessionFor` (`applyDeviceMismatchPlan`) and posts again.
 * The third refusal of one send throws `devices_unsettled` (DeviceError) without refreshing again; at most three requests.
 */
export async function deliverFanOut<T>(send: FanOutSend, opts: DeliverFanOutOptions<T>): Promise<DeliveredFanOut<T>> {
  let current = send;
  for (let refusals = 0; ; ) {
    opts.onSend?.(current);
    let accounts: readonly DeviceMismatchAccount[] | undefined;
    try {
      return { result: await opts.post(fanOutRequestBody(current)), send: current, refusals };
    } catch (e) {
      accounts = deviceMismatchOf(e);
      if (accounts === undefined) throw e;
    }
    refusals++;
    if (refusals >= MAX_DEVICE_MISMATCH_ROUNDS) throw new DeviceError('devices_unsettled', `the relay refused the copies ${refusals} times in a row`);
    const refreshed: Record<string, VerifiedDeviceList> = {};
    for (const a of accounts) refreshed[a.accountId] = await opts.refresh(a.accountId, a.listVersion);
    current = applyDeviceMismatchPlan(current, planDeviceMismatch(current, accounts, refreshed, refusals), opts.sessionFor);
  }
}
