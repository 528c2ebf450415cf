// A group on a test server whose routing roster holds the given accounts, made the only way the server allows:
// an MLS Commit by the creator (docs/PROTOCOL.md §12.8). For suites that need group routing (blobs, reports)
// without caring about the members' MLS state: the members' group keys are made here, not by their clients.
import { toBase64Url } from '../../client/crypto/_bytes.ts';
import { type GroupIdentity, MlsGroup, generateCredentialKey, generateGroupKeyPackage } from '../../client/group/index.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { api } from '../server/_harness.ts';

export interface RelayGroup {
  id: string;
  /** Removes a member by Commit, as the creator. */
  remove(accountId: string): Promise<number>;
}

export async function relayGroup(base: string, creator: { id: string; token: string }, memberIds: string[]): Promise<RelayGroup> {
  const keys = new Map<string, Uint8Array>();
  const identity = (accountId: string): GroupIdentity => {
    const id = generateIdentity();
    keys.set(accountId, id.signingPublicKey);
    return { accountId, identity: id, credentialKey: generateCredentialKey() };
  };
  const conv = await api<{ id: string }>(base, 'POST', '/v1/conversations', { kind: 'group' }, creator.token);
  if (conv.status !== 201) throw new Error(`group not created: ${conv.status}`);
  const g = await MlsGroup.create(conv.json.id, identity(creator.id), { resolveIdentity: (a) => keys.get(a) });
  const send = async (message: Uint8Array, welcome?: Uint8Array) => {
    const r = await api(base, 'POST', `/v1/groups/${conv.json.id}/messages`, { message: toBase64Url(message), ...(welcome ? { welcome: toBase64Url(welcome) } : {}) }, creator.token);
    if (r.status !== 201) throw new Error(`commit refused: ${r.status} ${JSON.stringify(r.json)}`);
    return r.status;
  };
  const others = memberIds.filter((m) => m !== creator.id);
  if (others.length) {
    const p = await g.add(await Promise.all(others.map(async (m) => (await generateGroupKeyPackage(identity(m))).bytes)));
    await send(p.commit, p.welcome);
    g.confirmCommit();
  }
  return {
    id: conv.json.id,
    async remove(accountId) {
      const p = await g.remove([accountId]);
      const status = await send(p.commit);
      g.confirmCommit();
      return status;
    },
  };
}
