// OpenAPI 3.1 document generated from the mounted operations of the API contract (client/transport/contract/: the
// same zod schemas that validate requests and responses).
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { ProblemSchema, statusOf } from './problem.ts';
import type { RouteSpec } from './routes/_route.ts';

export function buildOpenApi(specs: readonly RouteSpec[]): object {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http', scheme: 'bearer', description: 'Token from POST /v1/auth/token (challenge–response, docs/API.md)',
  });
  for (const spec of specs) {
    const responses: Record<string, object> = {};
    for (const status of spec.statuses ?? [200])
      responses[String(status)] = { description: 'Success', content: { 'application/json': { schema: spec.response } } };
    const byStatus = new Map<number, string[]>();
    // Every route can meet a database or disk fault (docs/DEPLOY.md "Faults"): 503 not_ready, 507 insufficient_storage.
    for (const code of new Set([...spec.errors, 'not_ready', 'insufficient_storage', 'internal'] as const)) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
    for (const [status, codes] of byStatus)
      responses[String(status)] = { description: `Problem; code: ${codes.join(' | ')}`, content: { 'application/problem+json': { schema: ProblemSchema } } };
    registry.registerPath({
      operationId: spec.operationId,
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      tags: [spec.tag],
      description: `Auth: ${spec.auth}${spec.rateLimit ? `; rate limit: ${spec.rateLimit}` : ''}`,
      ...(spec.auth === 'public' ? {} : { security: [{ [bearer.name]: [] }] }),
      request: {
        ...(spec.params ? { params: spec.params } : {}),
        ...(spec.query ? { query: spec.query } : {}),
        ...(spec.body ? { body: { required: true, content: { 'application/json': { schema: spec.body } } } } : {}),
        ...(spec.rawBody
          ? { body: { required: true, description: spec.rawBody.description, content: { [spec.rawBody.contentType]: { schema: { type: 'string' as const, format: 'binary' } } } } }
          : {}),
      },
      responses,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'franking-chat server',
      version: '1.0.0',
      description: 'Relay, key directory and verifiable abuse reporting for end-to-end encrypted chat. See docs/API.md.',
    },
    servers: [{ url: '/' }],
  });
}
