// Groups of multi-device accounts (docs/PROTOCOL-devices.md D14.3; docs/BENCHMARKS.md): the cost of adding a person
// with 4 devices to a group of 256 people × 4 devices (1,024 leaves) in one Commit, beside a single-leaf add to the
// same group in the same run, with the native provider (node:crypto) as every group's default. Run alone:
// `npx tsx bench/devices-groups.ts` (BENCH_QUICK=1: 16 people × 4 devices, fewer repetitions); `bench:devices` calls
// benchDevicesGroups(). Prints one JSON object on stdout:
//   people, devicesPerPerson, leaves      the group (the creator's account included)
//   groupAddPerson4DevicesMs   MlsGroup.addPerson of a new person's 4 key packages at the committer: each leaf checked
//                              against the person's pinned verified list (D14.1), one Commit with 4 Adds and an
//                              UpdatePath, one Welcome; median ms
//   groupAddSingleLeafMs       MlsGroup.add of one new person with 1 device (1 key package), same group, same run
//   addPerson4DevicesOverSingle  the ratio of the two
//   receiveAddPerson4DevicesMs, receiveAddSingleLeafMs   one member processing each Commit (lists pinned, D14.1 per
//                              added leaf, UpdatePath decryption), median ms
//   groupSyncOneDeviceMs       MlsGroup.syncDevices of one newly linked device of a member (R2, D14.4: DeviceSyncAd)
// Before measuring, the group "has lived a little" as in bench/groups.ts: one member in each of the creator's copath
// subtrees commits a path-only update, so the creator's copath nodes are not blank.
import { fileURLToPath } from 'node:url';
import { setDefaultCryptoProvider } from '../client/crypto/default.ts';
import { nodeCryptoProvider } from '../client/crypto/node.ts';
import {
  type DeviceList, encodeSignedDeviceList, type PinnedDeviceList, signDeviceList, verifyListChain, ZERO_LIST_HASH,
} from '../client/devices/index.ts';
import { type GeneratedKeyPackage, type GroupIdentity, type GroupOptions, MlsGroup, generateCredentialKey, generateGroupKeyPackage } from '../client/group/index.ts';
import { generateIdentity } from '../client/session/identity.ts';
import { median, round } from './_stats.ts';

export interface DevicesGroupsResult {
  provider: string;
  people: number;
  devicesPerPerson: number;
  leaves: number;
  groupAddPerson4DevicesMs: number;
  groupAddSingleLeafMs: number;
  addPerson4DevicesOverSingle: number;
  receiveAddPerson4DevicesMs: number;
  receiveAddSingleLeafMs: number;
  groupSyncOneDeviceMs: number;
}


interface Person {
  accountId: string;
  devices: GroupIdentity[];
  lists: Uint8Array[];
}

/** An account with `n` devices: genesis by device 1, then each device linked by device 1 and cosigned (D4.3). */
function person(accountId: string, n: number): Person {
  const devices: GroupIdentity[] = [];
  const lists: Uint8Array[] = [];
  let prevHash = ZERO_LIST_HASH;
  const pinned = () => verifyListChain(null, lists, lists.map(() => 'proof'), accountId, { verifyProof: () => true }).pinned;
  for (let i = 1; i <= n; i++) devices.push({ accountId, deviceId: i, identity: generateIdentity(), credentialKey: generateCredentialKey() });
  for (let v = 1; v <= n; v++) {
    const listed = devices.slice(0, v);
    const list: DeviceList = {
      accountId, listVersion: v, prevListHash: prevHash, kind: v === 1 ? 'genesis' : 'change', issuedAt: 1_790_000_000_000 + v, nextDeviceId: v + 1, recoveryKey: null,
      devices: listed.map((d) => ({ deviceId: d.deviceId as number, identitySigningKey: d.identity.signingPublicKey, identityDhKey: d.identity.dhPublicKey, credentialKey: d.credentialKey.publicKey, linkedAt: 1_790_000_000_000 + (d.deviceId as number) })),
    };
    const signer = devices[0] as GroupIdentity;
    const added = v === 1 ? undefined : (devices[v - 1] as GroupIdentity);
    lists.push(encodeSignedDeviceList(signDeviceList(list, { kind: 'device', deviceId: 1, signingPrivateKey: signer.identity.signingPrivateKey }, added ? { cosignerPrivateKey: added.identity.signingPrivateKey } : {})));
    prevHash = Buffer.from(pinned().listHash, 'base64url');
  }
  return { accountId, devices, lists };
}

/** Links one more device to `p` (signed by device 1, cosigned), returning it. */
function link(p: Person): GroupIdentity {
  const pin = verifyListChain(null, p.lists, p.lists.map(() => 'proof'), p.accountId, { verifyProof: () => true }).pinned;
  const d: GroupIdentity = { accountId: p.accountId, deviceId: p.devices.length + 1, identity: generateIdentity(), credentialKey: generateCredentialKey() };
  p.devices.push(d);
  const v = p.lists.length + 1;
  const list: DeviceList = {
    accountId: p.accountId, listVersion: v, prevListHash: Buffer.from(pin.listHash, 'base64url'), kind: 'change', issuedAt: 1_790_000_000_000 + v, nextDeviceId: p.devices.length + 1, recoveryKey: null,
    devices: p.devices.map((x) => ({ deviceId: x.deviceId as number, identitySigningKey: x.identity.signingPublicKey, identityDhKey: x.identity.dhPublicKey, credentialKey: x.credentialKey.publicKey, linkedAt: 1_790_000_000_000 + (x.deviceId as number) })),
  };
  p.lists.push(encodeSignedDeviceList(signDeviceList(list, { kind: 'device', deviceId: 1, signingPrivateKey: (p.devices[0] as GroupIdentity).identity.signingPrivateKey }, { cosignerPrivateKey: d.identity.signingPrivateKey })));
  return d;
}

export async function benchDevicesGroups(opts: { quick?: boolean; log?: (line: string) => void } = {}): Promise<DevicesGroupsResult> {
  const quick = opts.quick ?? process.env.BENCH_QUICK === '1';
  const log = opts.log ?? ((line: string) => console.error(line));
  const PEOPLE = quick ? 16 : 256;
  const DEVICES = 4;
  const RUNS = quick ? 3 : 7;
  const before = setDefaultCryptoProvider(nodeCryptoProvider);
  try {
    const pins = new Map<string, PinnedDeviceList>();
    const pin = (p: Person) => pins.set(p.accountId, verifyListChain(null, p.lists, p.lists.map(() => 'proof'), p.accountId, { verifyProof: () => true }).pinned);
    const groupOpts: GroupOptions = { resolveIdentity: () => undefined, resolveDeviceList: (id) => pins.get(id) };
    const conv = `bench-devices-${PEOPLE}`;

    let t = performance.now();
    const people = Array.from({ length: PEOPLE }, (_, i) => person(`${conv}-p${i}`, DEVICES));
    for (const p of people) pin(p);
    const kps = new Map<GroupIdentity, GeneratedKeyPackage>();
    for (const p of people) for (const d of p.devices) kps.set(d, await generateGroupKeyPackage(d));
    log(`  ${PEOPLE} people × ${DEVICES} devices: lists, pins and key packages ${round(performance.now() - t)} ms`);

    // The creator (person 0, device 1) adds its own other devices (R2), then everyone else in one Commit.
    t = performance.now();
    const [creatorPerson] = people as [Person];
    const creatorId = creatorPerson.devices[0] as GroupIdentity;
    const creator = await MlsGroup.create(conv, creatorId, groupOpts);
    await creator.syncDevices(creatorPerson.accountId, creatorPerson.devices.slice(1).map((d) => (kps.get(d) as GeneratedKeyPackage).bytes));
    creator.confirmCommit();
    const all = await creator.add(people.slice(1).flatMap((p) => p.devices.map((d) => (kps.get(d) as GeneratedKeyPackage).bytes)));
    creator.confirmCommit();
    log(`  group of ${creator.members().length} leaves built in ${round(performance.now() - t)} ms`);

    // Members at leaves 4, 8, 16, …: the roots of the creator's copath subtrees above its own account's leaves.
    t = performance.now();
    const leafOf = new Map(creator.members().map((m) => [`${m.accountId}/${m.deviceId}`, m.leaf]));
    const joined: MlsGroup[] = [creator];
    const leaves = creator.members().length;
    for (let leaf = DEVICES; leaf < leaves; leaf *= 2) {
      const d = people.flatMap((p) => p.devices).find((x) => leafOf.get(`${x.accountId}/${x.deviceId}`) === leaf) as GroupIdentity;
      const kp = kps.get(d) as GeneratedKeyPackage;
      joined.push(await MlsGroup.join(all.welcome as Uint8Array, d, (ref) => (ref === kp.ref ? kp : undefined), groupOpts));
    }
    for (const g of joined.slice(1)) {
      const u = await g.update();
      g.confirmCommit();
      for (const other of joined) if (other !== g) await other.receive(u.commit);
    }
    const receiver = joined[1] as MlsGroup;
    const receiverId = receiver.me;
    log(`  ${joined.length - 1} copath members joined and updated in ${round(performance.now() - t)} ms`);

    const addPersonMs: number[] = [];
    const addSingleMs: number[] = [];
    const recvPersonMs: number[] = [];
    const recvSingleMs: number[] = [];
    const syncMs: number[] = [];
    const state = receiver.serialize();
    // Warm-up: one of each, not recorded.
    for (let i = -1; i < RUNS; i++) {
      const four = person(`${conv}-new4-${i + 1}`, DEVICES);
      const one = person(`${conv}-new1-${i + 1}`, 1);
      pin(four);
      pin(one);
      const fourKps = await Promise.all(four.devices.map(async (d) => (await generateGroupKeyPackage(d)).bytes));
      const oneKp = (await generateGroupKeyPackage(one.devices[0] as GroupIdentity)).bytes;

      let t0 = performance.now();
      const c4 = await creator.addPerson(four.accountId, fourKps);
      const a4 = performance.now() - t0;
      creator.discardCommit();
      t0 = performance.now();
      const c1 = await creator.addPerson(one.accountId, [oneKp]);
      const a1 = performance.now() - t0;
      creator.discardCommit();

      let r = MlsGroup.deserialize(state, receiverId, groupOpts);
      t0 = performance.now();
      await r.receive(c4.commit);
      const r4 = performance.now() - t0;
      r = MlsGroup.deserialize(state, receiverId, groupOpts);
      t0 = performance.now();
      await r.receive(c1.commit);
      const r1 = performance.now() - t0;

      // R2: a member (person 1 at leaf 4) links a fifth device and adds it.
      const member = people[Math.min(1, people.length - 1)] as Person;
      const memberDevice = member.devices[0] as GroupIdentity;
      const memberGroup = joined.find((g) => g.me === memberDevice);
      let s = -1;
      if (memberGroup) {
        const fifth = link(member);
        pin(member);
        const kp = (await generateGroupKeyPackage(fifth)).bytes;
        t0 = performance.now();
        await memberGroup.syncDevices(member.accountId, [kp]);
        s = performance.now() - t0;
        memberGroup.discardCommit();
        member.devices.pop();
        member.lists.pop();
        pin(member);
      }
      if (i < 0) continue;
      addPersonMs.push(a4);
      addSingleMs.push(a1);
      recvPersonMs.push(r4);
      recvSingleMs.push(r1);
      if (s >= 0) syncMs.push(s);
    }
    const result: DevicesGroupsResult = {
      provider: nodeCryptoProvider.name,
      people: PEOPLE,
      devicesPerPerson: DEVICES,
      leaves,
      groupAddPerson4DevicesMs: round(median(addPersonMs)),
      groupAddSingleLeafMs: round(median(addSingleMs)),
      addPerson4DevicesOverSingle: round(median(addPersonMs) / median(addSingleMs)),
      receiveAddPerson4DevicesMs: round(median(recvPersonMs)),
      receiveAddSingleLeafMs: round(median(recvSingleMs)),
      groupSyncOneDeviceMs: syncMs.length ? round(median(syncMs)) : -1,
    };
    return result;
  } finally {
    setDefaultCryptoProvider(before);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchDevicesGroups(), null, 2));
}
