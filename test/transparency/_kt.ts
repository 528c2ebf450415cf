// Shared helpers of the transparency suites: an SDK client against a real test server.
import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { type HeadStore, HttpLogSource, KIND_IDENTITY, MemoryHeadStore, TransparencyClient, identityBindingKey, keyProofFromJson } from '../../client/transparency/index.ts';
import { api, b64, createUser, type TestUser } from '../server/_harness.ts';

export async function ktClient(base: string, opts: { store?: HeadStore; fetchImpl?: typeof fetch } = {}) {
  const source = new HttpLogSource(base, opts.fetchImpl);
  const { publicKey } = await source.logKey();
  return new TransparencyClient({ logPublicKey: publicKey, source, store: opts.store ?? new MemoryHeadStore() });
}

export function signedPreKey(user: TestUser) {
  const priv = ed25519.utils.randomSecretKey();
  const pub = ed25519.getPublicKey(priv).slice(); // any 32 bytes serve as an X25519 public key for this purpose
  const id = 1;
  const input = Buffer.concat([Buffer.from('franking-chat/v1/signed-prekey\0'), Buffer.from([0, 0, 0, id]), pub]);
  return { id, publicKey: b64(pub), signature: b64(ed25519.sign(input, user.signingSecret)) };
}

export async function publishBundle(base: string, user: TestUser) {
  const r = await api(base, 'PUT', '/v1/keys', {
    identitySigningKey: b64(user.signingKey), identityDhKey: b64(user.dhKey), signedPreKey: signedPreKey(user),
    oneTimePreKeys: [{ id: 7, publicKey: b64(randomBytes(32)) }],
  }, user.token);
  if (r.status !== 200) throw new Error(`publish: ${r.status} ${JSON.stringify(r.json)}`);
}

export async function userWithBundle(base: string, id?: string): Promise<TestUser> {
  const u = await createUser(base, id);
  await publishBundle(base, u);
  return u;
}

export const identityKeyOf = (u: TestUser) => identityBindingKey(u.signingKey, u.dhKey);

export async function fetchProof(base: string, viewer: TestUser, owner: string) {
  const r = await api<Record<string, unknown> & { identitySigningKey: string; identityDhKey: string; transparency: unknown }>(base, 'GET', `/v1/keys/${owner}`, undefined, viewer.token);
  if (r.status !== 200) throw new Error(`fetch: ${r.status}`);
  return { bundle: r.json, proof: keyProofFromJson(r.json.transparency) };
}

export const IDENTITY = KIND_IDENTITY;
