// Loopback HTTP for the server benchmarks (bench/server.ts, bench/cluster.ts): a keep-alive JSON client over
// node:http (lower overhead than fetch, so the load generator measures the server, not itself) and account setup
// with the SDK's own registration and login signatures (client/transport/auth.ts).
import http from 'node:http';
import { generateIdentity } from '../client/session/identity.ts';
import { signChallenge, signRegistration } from '../client/transport/auth.ts';
import { toBase64Url } from '../client/protocol.ts';

export type JsonResponse = { status: number; json: Record<string, unknown> };
export type Requester = (base: string, method: string, p: string, body?: unknown, token?: string, signal?: AbortSignal) => Promise<JsonResponse>;

/** A JSON requester whose connections are kept alive in `agent`. */
export function jsonRequester(agent: http.Agent): Requester {
  return (base, method, p, body, token, signal) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(base + p, {
        method, agent, ...(signal ? { signal } : {}),
        headers: { ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });
  };
}

/** Registers `id` with a fresh identity and logs in; returns the bearer token. */
export async function registerUser(request: Requester, base: string, id: string): Promise<string> {
  const identity = generateIdentity();
  const reg = await request(base, 'POST', '/v1/accounts', {
    userId: id, identitySigningKey: toBase64Url(identity.signingPublicKey), identityDhKey: toBase64Url(identity.dhPublicKey),
    signature: toBase64Url(signRegistration(identity, id)),
  });
  if (reg.status !== 201) throw new Error(`register: ${reg.status}`);
  const ch = await request(base, 'POST', '/v1/auth/challenge', { userId: id });
  const challenge = new Uint8Array(Buffer.from(ch.json.challenge as string, 'base64url'));
  const tok = await request(base, 'POST', '/v1/auth/token', { userId: id, challenge: ch.json.challenge, signature: toBase64Url(signChallenge(identity, challenge, id)) });
  return tok.json.token as string;
}
