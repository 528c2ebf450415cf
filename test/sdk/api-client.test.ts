// The SDK's typed HTTP client and push channel against the real server (fresh database): registration and
// challenge–response login with the identity key, problem+json surfaced as ApiError, token refresh, and a
// franked message sent through a session, pushed live, reported and verified — all through client/ only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiClient, ApiError } from '../../client/transport/api.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { PreKeyStore } from '../../client/session/prekeys.ts';
import { SenderChain, fromBase64Url, toBase64Url, type ReportItemJson } from '../../client/protocol.ts';
import { PushChannel, type WebSocketLike } from '../../client/transport/push.ts';
import { Session } from '../../client/session/session.ts';
import type { EnvelopeJson } from '../../client/transport/api.ts';
import { type TestServer, startTestServer } from '../server/_harness.ts';

let server: TestServer;
const utf8 = (s: string) => new TextEncoder().encode(s);

async function newUser(id: string) {
  const identity = generateIdentity();
  const preKeys = PreKeyStore.create(identity, { oneTimePreKeys: 5 });
  const api = new ApiClient({ baseUrl: server.url, validateResponses: userOperations });
  await api.registerIdentity(id, identity);
  await api.login(id, identity);
  await api.publishBundle(preKeys.bundle(identity));
  return { id, identity, preKeys, api };
}

beforeAll(async () => {
  server = await startTestServer({}, { logLevel: 'warn' });
});
afterAll(async () => {
  await server?.stop();
});

describe('ApiClient', () => {
  it('registers with the identity key, logs in by signed challenge and reads the account', async () => {
    const u = await newUser('sdk-alice');
    const me = await u.api.me();
    expect(me).toMatchObject({ userId: 'sdk-alice', role: 'user', status: 'active', oneTimePreKeys: 5 });
    expect(me.identitySigningKey).toBe(toBase64Url(u.identity.signingPublicKey));
  });

  it('surfaces problem+json as a typed ApiError with the stable code', async () => {
    const api = new ApiClient({ baseUrl: server.url, validateResponses: userOperations });
    const taken = await api.registerIdentity('sdk-alice', generateIdentity()).catch((e: unknown) => e);
    expect(ApiError.is(taken, 'user_exists')).toBe(true);
    expect(taken).toMatchObject({ status: 409, code: 'user_exists', title: 'User id already taken' });
    const bad = await api.register({ userId: 'bad id!', identitySigningKey: '', identityDhKey: '', signature: '' }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((bad as ApiError).problem?.errors?.length).toBeGreaterThan(0);
    const anonymous = await api.me().catch((e: unknown) => e);
    expect(anonymous).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('maps an unreachable server to network_error (status 0)', async () => {
    const api = new ApiClient({ baseUrl: 'http://127.0.0.1:9', validateResponses: userOperations });
    await expect(api.challenge('x')).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });

  it('refreshes an expired token once and retries the request', async () => {
    const identity = generateIdentity();
    let refreshes = 0;
    const api: ApiClient = new ApiClient({
      baseUrl: server.url,
      validateResponses: userOperations,
      refreshToken: async () => {
        refreshes++;
        return (await new ApiClient({ baseUrl: server.url, validateResponses: userOperations }).login('sdk-refresh', identity)).token;
      },
    });
    await api.registerIdentity('sdk-refresh', identity);
    api.token = 'A'.repeat(43); // well-formed, unknown: 401 invalid_token
    expect((await api.me()).userId).toBe('sdk-refresh');
    expect(refreshes).toBe(1);
  });
});

describe('a franked message end to end through the SDK', () => {
  it('sends through a session, arrives on the push channel, and a report of it verifies', async () => {
    const alice = await newUser('sdk-a');
    const bob = await newUser('sdk-b');
    const conversation = await alice.api.createConversation({ kind: 'direct', peerId: bob.id });

    const session = Session.initiate(alice.identity, await alice.api.fetchBundle(bob.id));
    const chain = new SenderChain(conversation.id, alice.id);
    const franked = chain.frank(utf8('you will regret this'));
    const envelope = session.sendFranked(franked);
    const sent = await alice.api.send({
      conversationId: conversation.id, commitment: toBase64Url(franked.commitment),
      envelopes: [{ recipientId: bob.id, ciphertext: toBase64Url(envelope.message) }],
    });
    expect(sent.stamp).toMatchObject({ role: 'sender', senderId: alice.id, recipientId: alice.id, conversationId: conversation.id });

    const received = await new Promise<EnvelopeJson>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no push within 10 s')), 10_000);
      const channel = new PushChannel({
        url: `${server.url.replace('http', 'ws')}/v1/stream`,
        getToken: async () => bob.api.token as string,
        createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
        onEnvelopes: async (envs) => {
          clearTimeout(timer);
          channel.stop();
          resolve(envs[0] as EnvelopeJson);
          return envs.map((e) => e.id);
        },
      });
      channel.start();
    });
    expect(received.stamp).toMatchObject({ role: 'recipient', senderId: alice.id, recipientId: bob.id, messageId: sent.messageId });

    const { receipt } = Session.respondFranked(bob.identity, bob.preKeys, {
      commitment: fromBase64Url(received.commitment), message: fromBase64Url(received.ciphertext),
    }, { expect: { conversationId: conversation.id, senderId: alice.id } });
    expect(receipt.status).toBe('accepted');
    if (receipt.status !== 'accepted') return;
    expect(new TextDecoder().decode(receipt.message.body)).toBe('you will regret this');

    const item: ReportItemJson = {
      stamp: received.stamp, commitment: received.commitment, fk: toBase64Url(receipt.message.fk),
      header: toBase64Url(receipt.message.headerBytes), body: toBase64Url(receipt.message.body),
    };
    const report = await bob.api.submitReport({ category: 'threat', reported: item, context: [] });
    expect(report).toMatchObject({ verdict: 'verified', accusedId: alice.id, status: 'received', outcome: null });
    expect((await bob.api.listReports()).map((r) => r.id)).toEqual([report.id]);
    expect(await bob.api.myNotices()).toEqual([]);

  });
});
