// A report of a multi-device conversation against any running server (the test server or a real process), built as
// the SDK's devices would: alice (2 devices) and bob (2 devices) register their genesis lists, device 1 of each links
// device 2 (docs/PROTOCOL-devices.md D6.1, D8); alice's device 2 sends two messages with one franking and one copy per
// device (D11, sendFanOut); bob's device 1 opens them (receiveCopy) and bob's device 2 reports the second with the
// first as context, stating that device 1 received them (D12.2: history brought over to another device).
import { sendFanOut, fanOutRequestBody, type CopyEnvelope } from '../../client/devices/index.ts';
import { reportItemToJson, SenderChain } from '../../client/franking/index.ts';
import { nobleCryptoProvider } from '../../client/crypto/noble.ts';
import { fromBase64Url } from '../../client/index.ts';
import { ApiClient, type EnvelopeJson } from '../../client/transport/api.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
// eslint-disable-next-line no-restricted-imports -- test/client's own fan-out world (not an SDK internal): the same devices, lists and sessions as the fan-out suites
import { Account, type Device, receiveOn, sessionsFrom, type World } from '../client/_fanout-world.ts';
import { deviceLogin, type Keys, newId } from './_devices.ts';
import { api, b64 } from './_harness.ts';

const crypto = nobleCryptoProvider;

export interface DevicePerson { acc: Account; tokens: Map<number, string> }

async function tokenOf(base: string, d: Device): Promise<string> {
  const r = await deviceLogin(base, d.accountId, d.deviceId, { seed: d.identity.signingPrivateKey } as Keys);
  if (r.status !== 200) throw new Error(`sign-in of ${d.accountId}/${d.deviceId}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.token as string;
}

/** A registered account with `n` devices: the genesis, then n − 1 links signed by device 1, each logged by the server. */
export async function devicePerson(base: string, prefix: string, n: number): Promise<DevicePerson> {
  const acc = new Account(newId(prefix), crypto);
  acc.genesis(Date.now());
  const reg = await api(base, 'POST', '/v1/accounts', { userId: acc.accountId, list: b64(acc.current.bytes) });
  if (reg.status !== 201) throw new Error(`registration of ${acc.accountId}: ${reg.status} ${JSON.stringify(reg.json)}`);
  const tokens = new Map<number, string>([[1, await tokenOf(base, acc.devices.get(1)!)]]);
  for (let i = 1; i < n; i++) {
    const d = acc.link(1, Date.now());
    const r = await api(base, 'PUT', '/v1/devices', { list: b64(acc.current.bytes) }, tokens.get(1)!);
    if (r.status !== 201) throw new Error(`link of ${acc.accountId}/${d.deviceId}: ${r.status} ${JSON.stringify(r.json)}`);
    tokens.set(d.deviceId, await tokenOf(base, d));
  }
  return { acc, tokens };
}

/** D13.5 → the SDK's CopyEnvelope. */
export function copyEnvelope(e: EnvelopeJson): CopyEnvelope {
  const bytes = (s: string | undefined) => fromBase64Url(s!);
  return {
    ciphertext: bytes(e.ciphertext), commitment: bytes(e.commitment),
    stamp: { ...e.stamp, tag: bytes(e.stamp.tag) },
    senderDeviceId: e.senderDeviceId!, copyKind: e.copyKind!, senderListVersion: e.senderListVersion!, senderListHash: bytes(e.senderListHash),
    targetAccountId: e.targetAccountId!, targetDeviceId: e.targetDeviceId!, targetListVersion: e.targetListVersion!, targetListHash: bytes(e.targetListHash),
  };
}

export interface DeviceReport {
  reportId: string;
  alice: DevicePerson;
  bob: DevicePerson;
  /** When the server accepted the list that linked alice's device 2 (its DeviceRecord, D12.3), ISO. */
  aliceDevice2LinkedAt: string;
}

/** The scenario above; `texts` are alice's two messages (the second is reported). */
export async function multiDeviceReport(base: string, texts: [string, string] = ['hello from my laptop', 'the message bob reports']): Promise<DeviceReport> {
  const alice = await devicePerson(base, 'alice', 2);
  const bob = await devicePerson(base, 'bob', 2);
  const conv = await api<{ id: string }>(base, 'POST', '/v1/conversations', { kind: 'direct', peerId: bob.acc.accountId }, alice.tokens.get(1)!);
  if (conv.status !== 201 && conv.status !== 200) throw new Error(`conversation: ${conv.status}`);
  const world: World = { crypto, alice: alice.acc, bob: bob.acc, keyring: undefined as never };
  const a2 = alice.acc.devices.get(2)!;
  const chain = new SenderChain(conv.json.id, alice.acc.accountId, 2);
  const lists = { [alice.acc.accountId]: alice.acc.current, [bob.acc.accountId]: bob.acc.current };
  const sender = new ApiClient({ baseUrl: base, token: alice.tokens.get(2)!, validateResponses: userOperations });
  for (const text of texts) {
    const send = sendFanOut({ chain, body: new TextEncoder().encode(text), frank: { randomBytes: a2.random }, own: alice.acc.current, peer: bob.acc.current, sessionFor: sessionsFrom(world, a2, lists) });
    await sender.sendCopies(fanOutRequestBody(send));
  }
  const pins = { [alice.acc.accountId]: alice.acc.pin(), [bob.acc.accountId]: bob.acc.pin() };
  const b1 = new ApiClient({ baseUrl: base, token: bob.tokens.get(1)!, validateResponses: userOperations });
  const got = await b1.fetchMessages();
  if (got.length !== texts.length) throw new Error(`bob's device 1 got ${got.length} copies`);
  const items = got.map((e) => {
    const r = receiveOn(world, bob.acc.devices.get(1)!, copyEnvelope(e), pins);
    if (r.status !== 'accepted') throw new Error(`receiveCopy: ${r.status}`);
    const stamp = copyEnvelope(e).stamp;
    return { ...reportItemToJson({ stamp, commitment: r.message.commitment, fk: r.message.fk, header: r.message.headerBytes, body: r.message.body }), deliveredToDeviceId: r.deliveredToDeviceId };
  });
  await b1.ack(got.map((e) => e.id));
  const rep = await api<{ id: string }>(base, 'POST', '/v1/reports', { category: 'harassment', reported: items[1], context: [items[0]] }, bob.tokens.get(2)!);
  if (rep.status !== 201) throw new Error(`report: ${rep.status} ${JSON.stringify(rep.json)}`);
  const answer = await api<{ linkedAt: Array<{ deviceId: number; acceptedAt: string }> }>(base, 'GET', `/v1/devices/${alice.acc.accountId}`, undefined, bob.tokens.get(2)!);
  const linked = answer.json.linkedAt.find((l) => l.deviceId === 2);
  if (!linked) throw new Error('no linkedAt for alice\'s device 2');
  return { reportId: rep.json.id, alice, bob, aliceDevice2LinkedAt: linked.acceptedAt };
}
