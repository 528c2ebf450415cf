// The chat's outbox (chat/src/engine/outbox.ts): typed jobs, a failed send kept with its code, and the resend when the
// connection returns — exactly the stored bytes with the same clientMessageId (docs/SCALING.md "Idempotent send"),
// never two sends of one message at once. Fakes stand in for IndexedDB and the relay.
import { describe, expect, it } from 'vitest';
import { ApiError } from '@franking-chat/sdk';
import type { Device } from '../../chat/src/engine/device.ts';
import { ChatError } from '../../chat/src/engine/errors.ts';
import { Outbox, jobOf } from '../../chat/src/engine/outbox.ts';
import { Conversations } from '../../chat/src/engine/state/conversations.ts';
import { SnapshotStore } from '../../chat/src/engine/state/snapshot.ts';
import { AccountStanding } from '../../chat/src/engine/state/standing.ts';
import type { ChatStorage, MessageRecord } from '../../chat/src/storage.ts';

const unreachable = () => new ApiError({ type: 'about:blank', title: 'Server unreachable', status: 0, detail: 'unreachable', code: 'network_error' }, null);
const stamp = { role: 'sender' } as unknown as NonNullable<MessageRecord['item']>['stamp'];

function outgoing(id: string, patch: Partial<MessageRecord> = {}): MessageRecord {
  return {
    id, conversationId: 'c1', peerId: 'bob', direction: 'out', senderId: 'alice', text: id, sentAt: 1, serverTime: null, seq: 1, state: 'sending',
    pending: { commitment: `commit-${id}`, clientMessageId: `cmid-${id}`, fk: 'fk', header: 'h', body: 'b', envelopes: [{ recipientId: 'bob', ciphertext: `ct-${id}` }] },
    ...patch,
  };
}

const mismatch = () => new ApiError({ type: 'about:blank', title: 'mismatch', status: 409, detail: 'refresh', code: 'device_mismatch', accounts: [{ accountId: 'bob', listVersion: 2, listHash: 'h2', missing: [2], extra: [], stale: true }] } as never, null);
const copiesOf = (tag: string) => ({ lists: [{ accountId: 'alice', listVersion: 1, listHash: 'a1' }, { accountId: 'bob', listVersion: 1, listHash: tag }], copies: [{ accountId: 'bob', deviceId: 1, ciphertext: `ct-${tag}` }] });

function setup(opts: {
  failFirst?: number; group?: (m: MessageRecord) => Promise<{ stamp: typeof stamp; serverTime: number }>; mismatches?: number;
  afterMismatch?: (m: MessageRecord, e: ApiError, refusal: number) => Promise<MessageRecord>;
} = {}) {
  const stored = new Map<string, MessageRecord>();
  const store = {
    write: async (ops: Array<{ store: string; value: unknown }>) => {
      for (const op of ops) if (op.store === 'messages') stored.set((op.value as MessageRecord).id, op.value as MessageRecord);
    },
    messages: async () => [...stored.values()],
  } as unknown as ChatStorage;
  const snapshot = new SnapshotStore(() => undefined);
  const conversations = new Conversations(snapshot, () => store);
  const standing = new AccountStanding(snapshot, () => undefined);
  const device = { hasAccount: true, store: () => store } as unknown as Device;
  const sends: Array<{ clientMessageId: string; commitment: string; envelopes: unknown }> = [];
  let failures = opts.failFirst ?? 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const api = {
    send: async (body: { clientMessageId: string; commitment: string; envelopes: unknown }) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      sends.push(body);
      if (failures-- > 0) throw unreachable();
      return { stamp, serverTime: 1000 + sends.length };
    },
    sendCopies: async (body: { clientMessageId: string; commitment: string; copies: unknown }) => {
      sends.push({ ...body, envelopes: body.copies });
      if (mismatches-- > 0) throw mismatch();
      return { stamp, serverTime: 1000 + sends.length };
    },
  };
  let mismatches = opts.mismatches ?? 0;
  const outbox = new Outbox({
    device, api: api as never, conversations, standing,
    deliverGroup: opts.group ?? (async () => Promise.reject(new Error('no group here'))), syncGroups: async () => undefined,
    afterMismatch: opts.afterMismatch ?? (async () => Promise.reject(new Error('no device lists here'))),
  });
  return { outbox, conversations, stored, sends, snapshot, maxInFlight: () => maxInFlight };
}

describe('outbox jobs', () => {
  it('a message is a group, protocol or direct job by what it is', () => {
    expect(jobOf(outgoing('a', { group: true })).kind).toBe('group');
    expect(jobOf(outgoing('b', { kind: 'kt-gossip' })).kind).toBe('protocol');
    expect(jobOf(outgoing('c')).kind).toBe('direct');
  });

  it('a delivered message keeps its opening as a report item and loses its pending bytes', async () => {
    const { outbox, stored, sends } = setup();
    await outbox.deliver(outgoing('m1'));
    expect(sends).toEqual([{ conversationId: 'c1', commitment: 'commit-m1', clientMessageId: 'cmid-m1', envelopes: [{ recipientId: 'bob', ciphertext: 'ct-m1' }] }]);
    const done = stored.get('m1') as MessageRecord;
    expect(done.state).toBe('sent');
    expect(done.pending).toBeUndefined();
    expect(done.item).toMatchObject({ commitment: 'commit-m1', fk: 'fk', header: 'h', body: 'b' });
  });

  it('a group job goes to the group sender, not the 1:1 relay', async () => {
    const groupSent: string[] = [];
    const { outbox, sends, stored } = setup({ group: async (m) => (groupSent.push(m.id), { stamp, serverTime: 5 }) });
    await outbox.deliver(outgoing('g1', { group: true }));
    expect(groupSent).toEqual(['g1']);
    expect(sends).toHaveLength(0);
    expect(stored.get('g1')?.state).toBe('sent');
  });
});

describe('outbox retry', () => {
  it('an unreachable server leaves the message failed with network_error; the resend uses the same clientMessageId and bytes', async () => {
    const { outbox, stored, sends, conversations } = setup({ failFirst: 1 });
    await outbox.deliver(outgoing('m1'));
    expect(stored.get('m1')).toMatchObject({ state: 'failed', errorCode: 'network_error' });
    expect(conversations.messages('c1')[0]?.error).toMatch(/sent by itself when the connection returns/);
    await outbox.resendUnsent();
    expect(sends.map((s) => s.clientMessageId)).toEqual(['cmid-m1', 'cmid-m1']);
    expect(sends[1]).toEqual(sends[0]);
    expect(stored.get('m1')).toMatchObject({ state: 'sent', resent: true });
  });

  it('two "connection is back" signals at once resend each message once', async () => {
    const { outbox, sends, conversations } = setup({ failFirst: 2 });
    await outbox.deliver(outgoing('m1'));
    await outbox.deliver(outgoing('m2', { sentAt: 2 }));
    expect(conversations.messages('c1').every((m) => m.errorCode === 'network_error')).toBe(true);
    await Promise.all([outbox.resendUnsent(), outbox.resendUnsent()]);
    expect(sends.map((s) => s.clientMessageId)).toEqual(['cmid-m1', 'cmid-m2', 'cmid-m1', 'cmid-m2']);
  });

  it('what was still "Sending…" when the page closed is resent once after start, not on later signals', async () => {
    const { outbox, sends, conversations } = setup();
    conversations.shown(outgoing('m1')); // state 'sending', as loaded from storage
    await outbox.resendUnsent();
    await outbox.resendUnsent();
    expect(sends.map((s) => s.clientMessageId)).toEqual(['cmid-m1']);
  });

  it('failures other than an unreachable server wait for the user (Retry), and nothing is resent for a restricted account', async () => {
    const { outbox, sends, conversations, snapshot } = setup();
    conversations.shown({ ...outgoing('m1'), state: 'failed', errorCode: 'rate_limited' });
    await outbox.resendUnsent();
    expect(sends).toHaveLength(0);
    conversations.shown({ ...outgoing('m2'), state: 'failed', errorCode: 'network_error' });
    snapshot.set({ standing: { code: 'account_suspended', detail: 'x', suspendedUntil: null } });
    await outbox.resendUnsent();
    expect(sends).toHaveLength(0);
  });

  it('protocol messages (never shown) that did not leave are resent at start from storage', async () => {
    const { outbox, sends, stored } = setup();
    stored.set('p1', outgoing('p1', { kind: 'kt-gossip' }));
    stored.set('x1', { ...outgoing('x1'), direction: 'in' });
    await outbox.resendProtocolMessages();
    expect(sends.map((s) => s.clientMessageId)).toEqual(['cmid-p1']);
    expect(stored.get('p1')?.state).toBe('sent');
  });
});

describe('fan-out sends (docs/PROTOCOL-devices.md D11.2 step 4)', () => {
  const fanned = (id: string) => outgoing(id, { pending: { commitment: `commit-${id}`, clientMessageId: `cmid-${id}`, fk: 'fk', header: 'h', body: 'b', copies: copiesOf('v1') } });

  it('a device_mismatch gets the copies fixed and the same message sent again: same clientMessageId and commitment, the new copies', async () => {
    const refusals: number[] = [];
    const { outbox, sends, stored } = setup({
      mismatches: 1,
      afterMismatch: async (m, e, refusal) => {
        expect(ApiError.is(e, 'device_mismatch')).toBe(true);
        refusals.push(refusal);
        return { ...m, pending: { ...(m.pending as NonNullable<MessageRecord['pending']>), copies: copiesOf('v2') } };
      },
    });
    await outbox.deliver(fanned('m1'));
    expect(refusals).toEqual([1]);
    expect(sends.map((x) => [x.clientMessageId, x.commitment])).toEqual([['cmid-m1', 'commit-m1'], ['cmid-m1', 'commit-m1']]);
    expect(sends.map((x) => (x.envelopes as Array<{ ciphertext: string }>)[0]?.ciphertext)).toEqual(['ct-v1', 'ct-v2']);
    expect(stored.get('m1')?.state).toBe('sent');
  });

  it('gives up when the copies cannot be settled, and keeps the message failed with the reason', async () => {
    const { outbox, sends, stored } = setup({
      mismatches: 5,
      afterMismatch: async (m, _e, refusal) => {
        if (refusal >= 3) throw new ChatError('devices_unsettled', { handle: 'bob' });
        return m;
      },
    });
    await outbox.deliver(fanned('m2'));
    expect(sends).toHaveLength(3);
    expect(stored.get('m2')?.state).toBe('failed');
    expect(stored.get('m2')?.errorCode).toBe('devices_unsettled');
  });

  it('a send the relay accepts is one request with exactly the stored copies, and nothing is re-sealed', async () => {
    const { outbox, sends, stored } = setup({ afterMismatch: async () => { throw new Error('must not be called'); } });
    await outbox.deliver(fanned('m3'));
    expect(sends).toHaveLength(1);
    expect(sends[0]?.envelopes).toEqual(copiesOf('v1').copies);
    expect(stored.get('m3')?.state).toBe('sent');
    expect(stored.get('m3')?.pending).toBeUndefined();
  });
});
