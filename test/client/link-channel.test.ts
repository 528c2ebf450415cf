// Attacks on the link channel (docs/PROTOCOL-linking.md L10) and the state machines' refusals (L4–L7, L9), without a
// server: frames are handed from one side to the other by the test, which plays the relay — honest, or swapping keys,
// replaying, reordering, injecting. Each attack names the check that stops it.
import { describe, expect, it } from 'vitest';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { randomBytes } from '@noble/hashes/utils.js';
import {
  cosignDeviceList, DeviceError, DeviceListError, encodeDeviceList, encodeSignedDeviceList, linkDeviceList, signDeviceList, verifyListStep, withCosignature,
} from '../../client/devices/index.ts';
import {
  checkLinkCodeOrigin, type ExistingDeviceEvent, ExistingDeviceLink, handshakeFrame, LINK_MAX_PLAINTEXT, type LinkCode, LinkError, type LinkStep,
  type NewDeviceEvent, NewDeviceLink, type OutgoingFrame, sealLinkFrame, deriveLinkKeys, linkTranscript,
} from '../../client/link/index.ts';

function deviceSecrets() {
  const sig = ed25519.utils.randomSecretKey();
  const cred = ed25519.utils.randomSecretKey();
  return {
    identitySigningKey: ed25519.getPublicKey(sig), identityDhKey: x25519.getPublicKey(x25519.utils.randomSecretKey()), credentialKey: ed25519.getPublicKey(cred),
    signingPrivateKey: sig, credentialPrivateKey: cred,
  };
}

/** alice's account, version 1 (device 1 = `phoneSeed`). */
function account(id = 'alice') {
  const phoneSeed = ed25519.utils.randomSecretKey();
  const entry = { deviceId: 1, identitySigningKey: ed25519.getPublicKey(phoneSeed), identityDhKey: x25519.getPublicKey(x25519.utils.randomSecretKey()), credentialKey: ed25519.getPublicKey(ed25519.utils.randomSecretKey()), linkedAt: 1 };
  const genesis = encodeSignedDeviceList(signDeviceList(
    { accountId: id, listVersion: 1, prevListHash: new Uint8Array(32), kind: 'genesis', issuedAt: 1, nextDeviceId: 2, recoveryKey: null, devices: [entry] },
    { kind: 'device', deviceId: 1, signingPrivateKey: phoneSeed },
  ));
  return { id, phoneSeed, v1: verifyListStep(null, genesis, id) };
}

/** N and E after the handshake: both short codes shown, N's device message delivered to E. */
function handshake(opts: { name?: string } = {}) {
  const secrets = deviceSecrets();
  const n = new NewDeviceLink(randomBytes(16), '', secrets, opts.name ?? 'Laptop');
  const e = new ExistingDeviceLink(n.code);
  const s1 = n.receive(1, e.start().frame);
  const s2 = e.receive(1, s1.send[0]!.frame);
  const s3 = n.receive(2, s2.send[0]!.frame);
  const s4 = e.receive(2, s3.send[0]!.frame);
  return { n, e, secrets, shortN: (s3.event as { shortCode: string }).shortCode, shortE: (s2.event as { shortCode: string }).shortCode, device: s4.event as ExistingDeviceEvent };
}

/** Many bytes (noble's randomBytes stops at 64 KiB). */
const filler = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) & 0xff);

const code = (e: unknown): string | undefined => (e as { code?: string }).code;
const failsWith = (c: string, run: () => unknown) => {
  let caught: unknown = null;
  try {
    run();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${c}`).not.toBeNull();
  expect(code(caught)).toBe(c);
};

describe('the honest link', () => {
  it('both sides show the same six digits; E learns the keys and the proposed name', () => {
    const h = handshake({ name: 'Laptop (Firefox)' });
    expect(h.shortN).toMatch(/^[0-9]{6}$/);
    expect(h.shortN).toBe(h.shortE);
    expect(h.device).toMatchObject({ kind: 'device', name: 'Laptop (Firefox)' });
    expect(h.e.newDevice?.identitySigningKey).toEqual(h.secrets.identitySigningKey);
  });
});

describe('K1: the relay swaps keys', () => {
  it('a relay without the code answers N as E: every sealed frame fails (linkSecret is in every key)', () => {
    const secrets = deviceSecrets();
    const n = new NewDeviceLink(randomBytes(16), '', secrets, 'Laptop');
    // The relay knows the channel id, not the code: it guesses EN and the secret.
    const guessed: LinkCode = { ...n.code, ephemeralKey: x25519.getPublicKey(x25519.utils.randomSecretKey()), linkSecret: randomBytes(16) };
    const relay = new ExistingDeviceLink(guessed);
    const s1 = n.receive(1, relay.start().frame);
    const s2 = relay.receive(1, s1.send[0]!.frame);
    const s3 = n.receive(2, s2.send[0]!.frame); // N accepts the reveal (it cannot tell), derives its keys …
    failsWith('tampered', () => relay.receive(2, s3.send[0]!.frame)); // … but the relay cannot open N's device message
    // and whatever the relay seals under its keys, N refuses.
    const a = account();
    const forged = deriveLinkKeys(x25519.utils.randomSecretKey(), n.code.ephemeralKey, guessed, linkTranscript(guessed, new Uint8Array(32), new Uint8Array(32), n.code.ephemeralKey));
    failsWith('tampered', () => n.receive(3, sealLinkFrame(forged, 'toNew', 3, Uint8Array.of(0x11, a.id.length, ...new TextEncoder().encode(a.id), 0, 0))));
  });

  it('a relay that saw the code and answers N as E (a second scanner): its short code is not the user E\'s', () => {
    const secrets = deviceSecrets();
    const n = new NewDeviceLink(randomBytes(16), '', secrets, 'Laptop');
    const intruder = new ExistingDeviceLink(n.code);
    const genuine = new ExistingDeviceLink(n.code); // the user's E: it can never reach a short code with N here
    const s1 = n.receive(1, intruder.start().frame);
    const s2 = intruder.receive(1, s1.send[0]!.frame);
    const s3 = n.receive(2, s2.send[0]!.frame);
    // What the user's E would show, had it run the handshake with N's nonce: another code (its EE differs).
    const g = genuine.receive(1, s1.send[0]!.frame);
    expect((s3.event as { shortCode: string }).shortCode).not.toBe((g.event as { shortCode: string }).shortCode);
    // N's device message does not open for the user's E (another EE, another transcript).
    failsWith('tampered', () => genuine.receive(2, s3.send[0]!.frame));
  });

  it('K2: the order of L4 is enforced — N draws its nonce only after a commitment, E reveals only after the nonce, the reveal must open the commitment', () => {
    const drawn: number[] = [];
    const n = new NewDeviceLink(randomBytes(16), '', deviceSecrets(), 'Laptop', { random: (len) => (drawn.push(len), randomBytes(len)) });
    expect(drawn).toEqual([32, 16]); // EN and linkSecret at creation; no nonce yet
    const e = new ExistingDeviceLink(n.code);
    const commit = e.start();
    // A reveal where the commitment is due: refused.
    failsWith('unexpected_message', () => new NewDeviceLink(randomBytes(16), '', deviceSecrets(), 'x').receive(1, handshakeFrame('reveal', x25519.getPublicKey(x25519.utils.randomSecretKey()))));
    const s1 = n.receive(1, commit.frame);
    expect(drawn).toEqual([32, 16, 32]);
    expect(s1.send).toHaveLength(1);
    // E has no way to send its key before the nonce: start() is the commitment, and the reveal is the answer to the nonce.
    expect(commit.frame[0]).toBe(1);
    // A reveal of another key than committed: bad_commitment, and the channel is over for N.
    const other = x25519.getPublicKey(x25519.utils.randomSecretKey());
    failsWith('bad_commitment', () => n.receive(2, handshakeFrame('reveal', other)));
    failsWith('bad_commitment', () => n.receive(2, e.receive(1, s1.send[0]!.frame).send[0]!.frame));
  });
});

describe('K3, K7, K8: replay, reorder, injection', () => {
  it('a frame taken twice, or ahead of its turn, is out_of_order; a frame of another channel is tampered', () => {
    const h = handshake();
    const other = handshake();
    const a = account();
    const body = encodeDeviceList(linkDeviceList(a.v1, h.secrets, 5));
    const list = h.e.sendList(a.id, body);
    failsWith('out_of_order', () => h.n.receive(list.seq + 1, list.frame));
    failsWith('out_of_order', () => h.n.receive(list.seq - 1, list.frame));
    // The same bytes under another channel's keys do not authenticate, and the failure ends that channel.
    failsWith('tampered', () => other.n.receive(list.seq, list.frame));
    failsWith('tampered', () => other.n.receive(list.seq, list.frame));
    // The right frame at the right place still goes through on its own channel (out_of_order does not end it).
    expect(h.n.receive(list.seq, list.frame).event).toMatchObject({ kind: 'list', accountId: a.id });
    failsWith('out_of_order', () => h.n.receive(list.seq, list.frame));
  });

  it('a plaintext handshake frame after the handshake is unexpected; so is a sealed message out of its turn', () => {
    const h = handshake();
    failsWith('unexpected_message', () => h.n.receive(3, handshakeFrame('reveal', new Uint8Array(32).fill(9))));
    const h2 = handshake();
    // E cannot send a welcome before a cosignature, nor a list before the device message and the user's yes.
    failsWith('unexpected_message', () => h2.e.sendWelcome({ listVersion: 2, listHash: new Uint8Array(32), deviceId: 2 }, new Uint8Array(0), null));
    const fresh = new ExistingDeviceLink(new NewDeviceLink(randomBytes(16), '', deviceSecrets(), 'x').code);
    failsWith('unexpected_message', () => fresh.sendList('alice', new Uint8Array(10)));
  });

  it('abort: sealed, ends both sides with the reason', () => {
    const h = handshake();
    const f = h.e.abort('cancelled')!;
    let err: unknown;
    try {
      h.n.receive(f.seq, f.frame);
    } catch (e) {
      err = e;
    }
    expect(LinkError.is(err, 'aborted')).toBe(true);
    expect((err as LinkError).reason).toBe('cancelled');
    failsWith('aborted', () => h.e.sendList('alice', new Uint8Array(1)));
    failsWith('aborted', () => h.e.receive(3, new Uint8Array(20)));
  });
});

describe('K6, K10: the list N counter-signs (D6.1 step 3 over the channel)', () => {
  it('a list that does not add exactly N with its keys is refused (link_mismatch), and nothing is counter-signed', () => {
    const h = handshake();
    const a = account();
    const ghost = deviceSecrets();
    const f = h.e.sendList(a.id, encodeDeviceList(linkDeviceList(a.v1, ghost, 5)));
    expect(() => h.n.receive(f.seq, f.frame)).toThrow(DeviceError);
    failsWith('link_mismatch', () => h.n.receive(f.seq, f.frame));
  });

  it('a list of another account than the message names: wrong_account', () => {
    const h = handshake();
    const a = account('alice');
    const f = h.e.sendList('mallory', encodeDeviceList(linkDeviceList(a.v1, h.secrets, 5)));
    expect(() => h.n.receive(f.seq, f.frame)).toThrow(DeviceListError);
  });

  it('the whole change verifies by D5.1 with the cosignature N returned; a lost race gets a new list, counter-signed again (D6.4)', () => {
    const h = handshake();
    const a = account();
    const body = linkDeviceList(a.v1, h.secrets, 5);
    const signed = signDeviceList(body, { kind: 'device', deviceId: 1, signingPrivateKey: a.phoneSeed });
    const s = h.n.receive(3, h.e.sendList(a.id, encodeDeviceList(body)).frame);
    const c = h.e.receive(3, s.send[0]!.frame).event as { kind: 'cosign'; cosignature: Uint8Array };
    expect(c.cosignature).toEqual(cosignDeviceList(body, h.secrets.signingPrivateKey));
    expect(verifyListStep(a.v1, encodeSignedDeviceList(withCosignature(signed, c.cosignature)), a.id).signed.list.devices).toHaveLength(2);
    // Re-sent after a conflict: another body, another cosignature.
    const body2 = linkDeviceList(a.v1, h.secrets, 6);
    const s2 = h.n.receive(4, h.e.sendList(a.id, encodeDeviceList(body2)).frame);
    const c2 = h.e.receive(4, s2.send[0]!.frame).event as { cosignature: Uint8Array };
    expect(c2.cosignature).not.toEqual(c.cosignature);
    expect(c2.cosignature).toEqual(cosignDeviceList(body2, h.secrets.signingPrivateKey));
  });
});

describe('L7: what comes along', () => {
  function toWelcome() {
    const h = handshake();
    const a = account();
    const s = h.n.receive(3, h.e.sendList(a.id, encodeDeviceList(linkDeviceList(a.v1, h.secrets, 5))).frame);
    h.e.receive(3, s.send[0]!.frame);
    return h;
  }
  const deliverAll = (n: NewDeviceLink, frames: OutgoingFrame[]) => frames.map((f) => n.receive(f.seq, f.frame));

  it('state and history arrive whole, in chunks, state first', () => {
    const h = toWelcome();
    const state = filler(150_000);
    const descriptor = {
      accountId: 'alice', sourceDeviceId: 1, targetDeviceId: 2, archiveKey: randomBytes(32), params: randomBytes(17), ciphertextDigest: randomBytes(32), size: 10, transport: 'inline' as const, blobId: null,
    };
    const history = filler(70_000);
    const steps: LinkStep<NewDeviceEvent>[] = deliverAll(h.n, h.e.sendWelcome({ listVersion: 2, listHash: randomBytes(32), deviceId: 2 }, state, { descriptor, ciphertext: history }));
    expect(steps).toHaveLength(1 + 3 + 2);
    const last = steps.at(-1)!.event;
    if (last?.kind !== 'complete') throw new Error('expected complete');
    expect(last.state).toEqual(state);
    expect(last.history?.ciphertext).toEqual(history);
    failsWith('unexpected_message', () => h.n.receive(h.n.receivedCount + 1, new Uint8Array(20)));
  });

  it('history for another device, data past its length, out of order, or history before state: malformed', () => {
    const cases: Array<(h: ReturnType<typeof toWelcome>) => OutgoingFrame[]> = [
      (h) => h.e.sendWelcome({ listVersion: 2, listHash: randomBytes(32), deviceId: 3 }, new Uint8Array(0), {
        descriptor: { accountId: 'alice', sourceDeviceId: 1, targetDeviceId: 2, archiveKey: randomBytes(32), params: randomBytes(17), ciphertextDigest: randomBytes(32), size: 1, transport: 'inline', blobId: null },
        ciphertext: new Uint8Array(5),
      }),
    ];
    // The relay cannot make these (sealed); a faulty or hostile E could: E's own sealing, reached past its guard.
    type Sealer = { seal(m: unknown): OutgoingFrame };
    const welcome = (h: ReturnType<typeof toWelcome>, stateLength: number, historyLength: number | null) => (h.e as unknown as Sealer).seal({
      type: 'welcome', listVersion: 2, listHash: randomBytes(32), deviceId: 2, stateLength,
      history: historyLength === null ? null : { length: historyLength, descriptor: { accountId: 'alice', sourceDeviceId: 1, targetDeviceId: 2, archiveKey: randomBytes(32), params: randomBytes(17), ciphertextDigest: randomBytes(32), size: 1, transport: 'inline', blobId: null } },
    });
    const data = (h: ReturnType<typeof toWelcome>, stream: 'state' | 'history', offset: number, n: number) => (h.e as unknown as Sealer).seal({ type: 'data', stream, offset, bytes: filler(n) });
    cases.push(
      (h) => [welcome(h, 10, 10), data(h, 'history', 0, 5)], // history before the state is complete
      (h) => [welcome(h, 10, null), data(h, 'state', 1, 5)], // a gap
      (h) => [welcome(h, 10, null), data(h, 'state', 0, 11)], // past the stated length
      (h) => [welcome(h, 10, null), data(h, 'state', 0, 5), data(h, 'state', 0, 5)], // a chunk twice
    );
    for (const make of cases) {
      const h = toWelcome();
      const frames = make(h);
      failsWith('malformed', () => deliverAll(h.n, frames));
    }
    // Chunks re-ordered by the relay: the seq check refuses them before anything is appended.
    const h = toWelcome();
    const frames = h.e.sendWelcome({ listVersion: 2, listHash: randomBytes(32), deviceId: 2 }, filler(140_000), null);
    h.n.receive(frames[0]!.seq, frames[0]!.frame);
    failsWith('out_of_order', () => h.n.receive(frames[2]!.seq, frames[2]!.frame));
  });

  it('a plaintext over 64 KiB is not sealed (too_large)', () => {
    failsWith('too_large', () => sealLinkFrame({ transcript: new Uint8Array(32), toExisting: new Uint8Array(32), toNew: new Uint8Array(32), shortCode: '000000' }, 'toNew', 3, new Uint8Array(LINK_MAX_PLAINTEXT + 1)));
  });
});

describe('K5, L3: the code', () => {
  it('E refuses a code for another server (wrong_server); an empty origin is its own', () => {
    const n = new NewDeviceLink(randomBytes(16), 'https://other.example', deviceSecrets(), 'x');
    failsWith('wrong_server', () => checkLinkCodeOrigin(n.code, 'https://chat.example'));
    expect(() => checkLinkCodeOrigin(n.code, 'https://other.example/')).not.toThrow();
    expect(() => checkLinkCodeOrigin({ ...n.code, origin: '' }, 'https://chat.example')).not.toThrow();
  });

  it('each new code has a fresh EN and link secret', () => {
    const a = new NewDeviceLink(randomBytes(16), '', deviceSecrets(), 'x').code;
    const b = new NewDeviceLink(randomBytes(16), '', deviceSecrets(), 'x').code;
    expect(a.ephemeralKey).not.toEqual(b.ephemeralKey);
    expect(a.linkSecret).not.toEqual(b.linkSecret);
  });
});
