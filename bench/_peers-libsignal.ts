// The libsignal-client side of bench/peers.ts (docs/BENCHMARKS.md "Peers"): in-memory stores (Maps of the record
// objects: harness, not the thing measured, no serialization per call) and a PQXDH handshake with a Kyber prekey,
// then one reply, so that later messages are plain SignalMessages as in a conversation under way.
import {
  CiphertextMessageType,
  type Direction,
  IdentityChange,
  IdentityKeyPair,
  IdentityKeyStore,
  KEMKeyPair,
  KyberPreKeyRecord,
  KyberPreKeyStore,
  PreKeyBundle,
  PreKeyRecord,
  PreKeySignalMessage,
  PreKeyStore as SignalPreKeyStore,
  PrivateKey,
  ProtocolAddress,
  type PublicKey,
  type SessionRecord,
  SessionStore,
  SignalMessage,
  SignedPreKeyRecord,
  SignedPreKeyStore,
  processPreKeyBundle,
  signalDecrypt,
  signalDecryptPreKey,
  signalEncrypt,
} from '@signalapp/libsignal-client';

class MapSessionStore extends SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  async saveSession(name: ProtocolAddress, record: SessionRecord): Promise<void> {
    this.sessions.set(name.toString(), record);
  }
  async getSession(name: ProtocolAddress): Promise<SessionRecord | null> {
    return this.sessions.get(name.toString()) ?? null;
  }
  async getExistingSessions(addresses: ProtocolAddress[]): Promise<SessionRecord[]> {
    return addresses.map((a) => {
      const s = this.sessions.get(a.toString());
      if (!s) throw new Error(`no session for ${a.toString()}`);
      return s;
    });
  }
}
class MapIdentityStore extends IdentityKeyStore {
  private readonly known = new Map<string, PublicKey>();
  constructor(private readonly keys: IdentityKeyPair, private readonly registrationId: number) {
    super();
  }
  async getIdentityKey(): Promise<PrivateKey> {
    return this.keys.privateKey;
  }
  async getLocalRegistrationId(): Promise<number> {
    return this.registrationId;
  }
  async saveIdentity(name: ProtocolAddress, key: PublicKey): Promise<IdentityChange> {
    const before = this.known.get(name.toString());
    this.known.set(name.toString(), key);
    return before && !before.equals(key) ? IdentityChange.ReplacedExisting : IdentityChange.NewOrUnchanged;
  }
  async isTrustedIdentity(name: ProtocolAddress, key: PublicKey, _direction: Direction): Promise<boolean> {
    const known = this.known.get(name.toString());
    return !known || known.equals(key); // trust on first use, as a test harness does
  }
  async getIdentity(name: ProtocolAddress): Promise<PublicKey | null> {
    return this.known.get(name.toString()) ?? null;
  }
}
class MapPreKeyStore extends SignalPreKeyStore {
  readonly keys = new Map<number, PreKeyRecord>();
  async savePreKey(id: number, record: PreKeyRecord): Promise<void> {
    this.keys.set(id, record);
  }
  async getPreKey(id: number): Promise<PreKeyRecord> {
    const k = this.keys.get(id);
    if (!k) throw new Error(`no prekey ${id}`);
    return k;
  }
  async removePreKey(id: number): Promise<void> {
    this.keys.delete(id);
  }
}
class MapSignedPreKeyStore extends SignedPreKeyStore {
  readonly keys = new Map<number, SignedPreKeyRecord>();
  async saveSignedPreKey(id: number, record: SignedPreKeyRecord): Promise<void> {
    this.keys.set(id, record);
  }
  async getSignedPreKey(id: number): Promise<SignedPreKeyRecord> {
    const k = this.keys.get(id);
    if (!k) throw new Error(`no signed prekey ${id}`);
    return k;
  }
}
class MapKyberPreKeyStore extends KyberPreKeyStore {
  readonly keys = new Map<number, KyberPreKeyRecord>();
  async saveKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void> {
    this.keys.set(id, record);
  }
  async getKyberPreKey(id: number): Promise<KyberPreKeyRecord> {
    const k = this.keys.get(id);
    if (!k) throw new Error(`no kyber prekey ${id}`);
    return k;
  }
  async markKyberPreKeyUsed(): Promise<void> {}
}
export interface SignalParty {
  address: ProtocolAddress;
  sessions: MapSessionStore;
  identity: MapIdentityStore;
  preKeys: MapPreKeyStore;
  signedPreKeys: MapSignedPreKeyStore;
  kyberPreKeys: MapKyberPreKeyStore;
  bundle: PreKeyBundle;
}
let signalRegistration = 1;
function signalParty(name: string): SignalParty {
  const keys = IdentityKeyPair.generate();
  const registrationId = signalRegistration++;
  const party = {
    address: ProtocolAddress.new(name, 1),
    sessions: new MapSessionStore(),
    identity: new MapIdentityStore(keys, registrationId),
    preKeys: new MapPreKeyStore(),
    signedPreKeys: new MapSignedPreKeyStore(),
    kyberPreKeys: new MapKyberPreKeyStore(),
  };
  const preKey = PrivateKey.generate();
  const signedPreKey = PrivateKey.generate();
  const signedSignature = keys.privateKey.sign(signedPreKey.getPublicKey().serialize());
  const kem = KEMKeyPair.generate();
  const kemSignature = keys.privateKey.sign(kem.getPublicKey().serialize());
  party.preKeys.keys.set(1, PreKeyRecord.new(1, preKey.getPublicKey(), preKey));
  party.signedPreKeys.keys.set(1, SignedPreKeyRecord.new(1, Date.now(), signedPreKey.getPublicKey(), signedPreKey, signedSignature));
  party.kyberPreKeys.keys.set(1, KyberPreKeyRecord.new(1, Date.now(), kem, kemSignature));
  const bundle = PreKeyBundle.new(registrationId, 1, 1, preKey.getPublicKey(), 1, signedPreKey.getPublicKey(), signedSignature, keys.publicKey, 1, kem.getPublicKey(), kemSignature);
  return { ...party, bundle };
}
export const signalEncryptTo = async (from: SignalParty, to: SignalParty, plaintext: Uint8Array<ArrayBuffer>) =>
  signalEncrypt(plaintext, to.address, from.address, from.sessions, from.identity);
export async function signalDecryptFrom(to: SignalParty, from: SignalParty, wire: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return signalDecrypt(SignalMessage.deserialize(wire), from.address, to.address, to.sessions, to.identity);
}
export async function signalPair(tag: string): Promise<{ alice: SignalParty; bob: SignalParty }> {
  const alice = signalParty(`alice-${tag}`);
  const bob = signalParty(`bob-${tag}`);
  await processPreKeyBundle(bob.bundle, bob.address, alice.address, alice.sessions, alice.identity);
  const first = await signalEncryptTo(alice, bob, new Uint8Array(1));
  if (first.type() !== CiphertextMessageType.PreKey) throw new Error('expected a PreKeySignalMessage');
  await signalDecryptPreKey(PreKeySignalMessage.deserialize(first.serialize()), alice.address, bob.address, bob.sessions, bob.identity, bob.preKeys, bob.signedPreKeys, bob.kyberPreKeys);
  // Bob replies: Alice's later messages are plain SignalMessages, as in a conversation under way.
  await signalDecryptFrom(alice, bob, (await signalEncryptTo(bob, alice, new Uint8Array(1))).serialize());
  return { alice, bob };
}
