// Browser half of bench/session.ts: bundled by esbuild and run in Debian's Chromium through Playwright. Measures one
// X25519 and one DH ratchet step (Session.decryptAsync: the step's X25519 by WebCrypto, the rest by noble) against
// the all-noble step, in the same page. Exposes `runDhBench(turns)` on globalThis.
import { detectWebCrypto, webCryptoProvider } from '../../client/crypto/webcrypto.ts';
import { nobleCryptoProvider } from '../../client/crypto/noble.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { type FetchedPreKeyBundle, PreKeyStore } from '../../client/session/prekeys.ts';
import { Session } from '../../client/session/session.ts';

function pair(): { alice: Session; bob: Session } {
  const aliceId = generateIdentity();
  const bobId = generateIdentity();
  const store = PreKeyStore.create(bobId, { oneTimePreKeys: 1 });
  const up = store.bundle(bobId);
  const bundle: FetchedPreKeyBundle = { identitySigningKey: up.identitySigningKey, identityDhKey: up.identityDhKey, signedPreKey: up.signedPreKey, oneTimePreKey: up.oneTimePreKeys[0] as { id: number; publicKey: string } };
  const alice = Session.initiate(aliceId, bundle);
  const { session: bob } = Session.respond(bobId, store, alice.encrypt(new Uint8Array(1)));
  alice.decrypt(bob.encrypt(new Uint8Array(1)));
  return { alice, bob };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function runDhBench(turns: number, rounds: number) {
  const web = await webCryptoProvider();
  const small = new Uint8Array(16);
  const { alice, bob } = pair();
  async function dhRound(useWeb: boolean): Promise<number> {
    let total = 0;
    for (let i = 0; i < turns; i++) {
      const [from, to] = i % 2 === 0 ? [alice, bob] : [bob, alice];
      const m = from.encrypt(small);
      const t0 = performance.now();
      if (useWeb) await to.decryptAsync(m, new Uint8Array(0), web);
      else to.decrypt(m);
      total += performance.now() - t0;
    }
    return (total * 1000) / turns;
  }
  const priv = nobleCryptoProvider.randomBytes(32);
  const pub = nobleCryptoProvider.x25519PublicKey(nobleCryptoProvider.randomBytes(32));
  async function x25519Round(useWeb: boolean): Promise<number> {
    const t0 = performance.now();
    for (let i = 0; i < turns; i++) {
      if (useWeb) await web.x25519(priv, pub);
      else nobleCryptoProvider.x25519(priv, pub);
    }
    return ((performance.now() - t0) * 1000) / turns;
  }
  await dhRound(true);
  await dhRound(false);
  const webStep: number[] = [], nobleStep: number[] = [], webX: number[] = [], nobleX: number[] = [], ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const w = await dhRound(true);
    const x = await x25519Round(true);
    webStep.push(w);
    webX.push(x);
    ratios.push(w / x);
    nobleStep.push(await dhRound(false));
    nobleX.push(await x25519Round(false));
  }
  return {
    userAgent: navigator.userAgent,
    native: await detectWebCrypto(),
    webcryptoDhStepUs: median(webStep),
    webcryptoX25519Us: median(webX),
    webcryptoDhStepRatio: median(ratios),
    nobleDhStepUs: median(nobleStep),
    nobleX25519Us: median(nobleX),
  };
}

(globalThis as unknown as { runDhBench: typeof runDhBench }).runDhBench = runDhBench;
