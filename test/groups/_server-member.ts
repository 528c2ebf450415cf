// A group member driving the real server through the SDK's ApiClient: key packages in the directory,
// Commits ordered by the relay (confirm on 201, discard on stale_epoch), one ciphertext per message, the
// group inbox with recipient stamps. Identity keys are resolved from the server's key directory.
import { ApiClient, ApiError, type GroupInboxItemJson } from '../../client/transport/api.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { fromBase64Url, toBase64Url } from '../../client/protocol.ts';
import { type GeneratedKeyPackage, type GroupEvent, type GroupIdentity, MlsGroup, type PendingCommit, generateCredentialKey, generateGroupKeyPackage } from '../../client/group/index.ts';
import { type DeviceListWant } from '../../client/group/device-members.ts';
import { fetchVerifiedDeviceLists, type PinnedDeviceList } from '../../client/devices/index.ts';
import { HttpLogSource, TransparencyClient } from '../../client/transparency/index.ts';

export interface Received {
  item: GroupInboxItemJson;
  event: GroupEvent | { kind: 'joined' } | { kind: 'dropped'; code: string };
}

export class ServerMember {
  readonly api: ApiClient;
  readonly me: GroupIdentity;
  readonly kps = new Map<string, GeneratedKeyPackage>();
  readonly groups = new Map<string, MlsGroup>();
  private readonly identities = new Map<string, Uint8Array>();
  /** Verified device lists of accounts that have one (docs/PROTOCOL-devices.md D5), proven in the key log. */
  private readonly lists = new Map<string, PinnedDeviceList>();
  private logClient: TransparencyClient | null = null;

  constructor(readonly id: string, base: string) {
    this.api = new ApiClient({ baseUrl: base, validateResponses: userOperations });
    this.me = { accountId: id, identity: generateIdentity(), credentialKey: generateCredentialKey() };
  }

  static async create(id: string, base: string, keyPackages = 3): Promise<ServerMember> {
    const m = new ServerMember(id, base);
    await m.api.registerIdentity(id, m.me.identity);
    await m.api.login(id, m.me.identity);
    await m.publishBundleKeys();
    await m.publish(keyPackages, true);
    return m;
  }

  async publish(n: number, lastResort = false): Promise<void> {
    const kps = [];
    for (let i = 0; i < n + (lastResort ? 1 : 0); i++) {
      const kp = await generateGroupKeyPackage(this.me);
      this.kps.set(kp.ref, kp);
      kps.push(kp.bytes);
    }
    await this.api.publishKeyPackages(lastResort ? kps.slice(0, n) : kps, lastResort ? kps[n] : undefined);
  }

  /** The directory's identity key for an account (the registration key): what group credentials must name. */
  get opts() {
    return {
      resolveIdentity: async (accountId: string) => {
        let k = this.identities.get(accountId);
        if (!k) {
          const b = await this.api.fetchBundle(accountId).catch(() => undefined);
          if (b) this.identities.set(accountId, (k = fromBase64Url(b.identitySigningKey)));
        }
        return k;
      },
      // Members with device lists (the chat's accounts) carry version 2 credentials, checked against their lists (D14.1).
      resolveDeviceList: async (accountId: string, want?: DeviceListWant) => {
        const pinned = this.lists.get(accountId);
        if (pinned && (!want || pinned.listVersion >= want.listVersion)) return pinned;
        try {
          if (!this.logClient) {
            const source = new HttpLogSource(this.api.baseUrl);
            this.logClient = new TransparencyClient({ logPublicKey: (await source.logKey()).publicKey, source });
          }
          const r = await fetchVerifiedDeviceLists(this.api, this.logClient, accountId, pinned ?? null);
          this.lists.set(accountId, r.pinned);
          return r.pinned;
        } catch {
          return pinned; // no list (a single-device account) or not proven: its version 1 credential is checked as before
        }
      },
    };
  }

  /** Id and bearer token, for tests that call the HTTP API directly. */
  get user(): { id: string; token: string } {
    const token = this.api.token;
    if (!token) throw new Error(`${this.id} is not logged in`);
    return { id: this.id, token };
  }

  async publishBundleKeys(): Promise<void> {
    const { PreKeyStore } = await import('../../client/session/prekeys.ts');
    const store = PreKeyStore.create(this.me.identity, { oneTimePreKeys: 1 });
    const b = store.bundle(this.me.identity);
    await this.api.publishBundle({ ...b, oneTimePreKeys: [] });
  }

  group(conv: string): MlsGroup {
    const g = this.groups.get(conv);
    if (!g) throw new Error(`${this.id} is not in ${conv}`);
    return g;
  }

  async createGroup(): Promise<string> {
    const conv = await this.api.createConversation({ kind: 'group' });
    this.groups.set(conv.id, await MlsGroup.create(conv.id, this.me, this.opts));
    return conv.id;
  }

  /** Sends the pending Commit; applies it only if the relay accepted it first for its epoch. */
  async commit(conv: string, pending: PendingCommit) {
    const g = this.group(conv);
    try {
      const r = await this.api.sendGroupMessage(conv, pending.commit, pending.welcome);
      return { sent: r, change: g.confirmCommit() };
    } catch (e) {
      g.discardCommit();
      throw e;
    }
  }

  async add(conv: string, ids: string[]) {
    const kps = [];
    for (const id of ids) kps.push((await this.api.claimKeyPackage(id)).keyPackage);
    return this.commit(conv, await this.group(conv).add(kps));
  }

  /** Franks and encrypts once for the group (attachments go into the franked header), then sends it to the relay. */
  async send(conv: string, text: string, opts: Parameters<MlsGroup['send']>[1] = {}) {
    const s = await this.group(conv).send(new TextEncoder().encode(text), opts);
    return { ...s, sent: await this.api.sendGroupMessage(conv, s.message) };
  }

  /** Processes and acknowledges everything waiting. */
  async sync(): Promise<Received[]> {
    const items = await this.api.groupInbox({ limit: 500 });
    const out: Received[] = [];
    for (const item of items) out.push({ item, event: await this.process(item) });
    if (items.length) await this.api.ackGroupInbox(items.map((i) => i.id));
    return out;
  }

  private async process(item: GroupInboxItemJson): Promise<Received['event']> {
    const bytes = fromBase64Url(item.message);
    try {
      if (item.kind === 'welcome') {
        this.groups.set(item.conversationId, await MlsGroup.join(bytes, this.me, (ref) => this.kps.get(ref), this.opts));
        return { kind: 'joined' };
      }
      const g = this.groups.get(item.conversationId);
      if (!g) return { kind: 'dropped', code: 'not_a_member' };
      return await g.receive(bytes);
    } catch (e) {
      return { kind: 'dropped', code: (e as { code?: string }).code ?? String(e) };
    }
  }
}

export const isStale = (e: unknown) => ApiError.is(e, 'stale_epoch');
export { toBase64Url };
