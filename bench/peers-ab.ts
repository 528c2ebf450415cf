// In-process A/B of two trees of client/ (docs/BENCHMARKS.md "Peers", "Hot paths: franked send and receive"): the
// four 1:1 operations of bench/peers.ts on the native provider — frank + seal and open in a session ("frankSeal",
// "open"), and outside one — for the tree of another worktree (BASE, "before") and this one ("after"), interleaved
// round by round with the order alternated, so a neighbour's load hits both alike. Prints the median µs of each and
// the median of the same-round after / before ratios; writes nothing. CPU time of this process, as bench/peers.ts.
//   git worktree add --detach /tmp/base <commit> && ln -s "$PWD/node_modules" /tmp/base/node_modules
//   BASE=/tmp/base npx tsx bench/peers-ab.ts          (ROUNDS=21, N=1500 messages per operation and round)
import { fileURLToPath } from 'node:url';
const base = process.env.BASE;
if (!base) throw new Error('BASE: the path of the other worktree (see the comment at the top)');
type Tree = { tag: string; keep: () => number; ops: Record<string, (n: number) => number> };
async function tree(root: string, tag: string): Promise<Tree> {
  const sdk = await import(`${root}/client/index.ts`);
  const { nodeCryptoProvider: p } = await import(`${root}/client/crypto/node.ts`);
  const body = new Uint8Array(1024).fill(0x61);
  const pair = () => {
    const aliceId = sdk.generateIdentity(undefined, p); const bobId = sdk.generateIdentity(undefined, p);
    const store = sdk.PreKeyStore.create(bobId, { oneTimePreKeys: 1, crypto: p });
    const { oneTimePreKeys, ...up } = store.bundle(bobId);
    const alice = sdk.Session.initiate(aliceId, { ...up, oneTimePreKey: oneTimePreKeys[0] }, { crypto: p });
    const { session: bob } = sdk.Session.respond(bobId, store, alice.encrypt(new Uint8Array(1)), { crypto: p });
    alice.decrypt(bob.encrypt(new Uint8Array(1)));
    return { alice, bob };
  };
  let seq = 1;
  let sink = 0; // keeps results observable
  const frank = () => sdk.frankMessage({ conversationId: 'bench-peers', senderId: 'alice', seq: seq++ }, body, { crypto: p });
  const snd = pair(), rcv = pair();
  const aead = sdk.xchacha20poly1305Aead(p.randomBytes(32), { crypto: p });
  const fo = frank(); const fos = sdk.sealFranked(aead, fo);
  const cpu = (f: () => void) => { const t = process.cpuUsage(); f(); const d = process.cpuUsage(t); return d.user + d.system; };
  const keep = () => sink; // read below, so the loops' results are not dead code
  return { tag, keep, ops: {
    frankSeal: (n) => cpu(() => { for (let i = 0; i < n; i++) sink ^= sdk.encodeFrankedEnvelope(snd.alice.sendFranked(frank())).length; }) / n,
    open: (n) => { const wire = Array.from({ length: n }, () => sdk.encodeFrankedEnvelope(rcv.alice.sendFranked(frank())));
      return cpu(() => { for (const w of wire) if (rcv.bob.receiveFranked(sdk.decodeFrankedEnvelope(w), { expect: { senderId: 'alice' } }).status !== 'accepted') throw new Error('dropped'); }) / n; },
    frankSealNoSession: (n) => cpu(() => { for (let i = 0; i < n; i++) sink ^= sdk.sealFranked(aead, frank()).length; }) / n,
    openNoSession: (n) => cpu(() => { for (let i = 0; i < n; i++) sink ^= sdk.openFranked(aead, fos, fo.commitment, { crypto: p }).body.length; }) / n,
  } };
}
const trees = [await tree(base, 'before'), await tree(fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, ''), 'after')];
const names = Object.keys(trees[0]!.ops);
const ROUNDS = Number(process.env.ROUNDS ?? 21), N = Number(process.env.N ?? 1500);
const res = new Map<string, number[]>();
for (const t of trees) for (const n of names) { t.ops[n]!(300); res.set(`${t.tag}.${n}`, []); }
for (let r = 0; r < ROUNDS; r++) for (const n of names) for (const t of r % 2 ? [...trees].reverse() : trees) res.get(`${t.tag}.${n}`)!.push(t.ops[n]!(N));
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const n of names) {
  const b = res.get(`before.${n}`)!, a = res.get(`after.${n}`)!;
  console.log(n.padEnd(20), 'before', med(b).toFixed(2).padStart(6), 'after', med(a).toFixed(2).padStart(6), 'after/before (median of same-round ratios)', med(a.map((x, i) => x / b[i]!)).toFixed(2));
}
if (trees.reduce((t, x) => t + x.keep(), 0) === 0.5) console.log('unreachable');
