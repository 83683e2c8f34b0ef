// POST /api/predictions/webhook: the ML services' signed push (Standard Webhooks). The signature
// covers the exact bytes sent, so this route reads the raw body itself, beside the REST adapter
// (which only sees parsed JSON): signature first (401, nothing stored), then the key's scope (403),
// then the body (400), then the replay check and the store (server/inbound-webhooks/service.ts). Errors go
// through the app's one error handler; the operation is added to the OpenAPI document by hand.
import { TRPCError } from '@trpc/server';
import express, { Router } from 'express';
import { z } from 'zod';
import { BatchResponseSchema, WebhookInputSchema } from '../predictions/schema';
import type { Services } from '../services';
import { DomainError } from '../shared/domain-error';
import { MAX_JSON_DEPTH } from '../shared/limits';
import { accessError } from '../trpc';
import type { AuthenticatedRequest } from './authenticate';
import { nestedDeeperThan } from './json-body';

const WEBHOOK_PATH = '/api/predictions/webhook';
const WEBHOOK_SCOPE = 'predictions:write';

/** The body as JSON, failing the way express.json() and the depth cap do (mapped by server/errors.ts). */
function parseJson(raw: Buffer): unknown {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw Object.assign(new Error('Malformed JSON body', { cause: error }), { type: 'entity.parse.failed' });
  }
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) throw Object.assign(new Error('JSON body too deep'), { type: 'entity.too.deep' });
  return value;
}

export function predictionWebhookRoute(services: Pick<Services, 'inboundWebhooks' | 'readCache'>, bodyLimit: string): Router {
  return Router().post(WEBHOOK_PATH, express.raw({ type: () => true, limit: bodyLimit }), async (req, res, next) => {
    const { principal, authError } = req as AuthenticatedRequest;
    try {
      if (authError) throw new DomainError('unauthenticated', authError);
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const signed = await services.inboundWebhooks.authenticate(req.headers, raw, principal ?? null);
      const denied = accessError(signed.principal, null, WEBHOOK_SCOPE);
      if (denied) throw denied;
      const input = WebhookInputSchema.safeParse(parseJson(raw));
      if (!input.success) throw new TRPCError({ code: 'BAD_REQUEST', message: 'Invalid input', cause: input.error });
      const stored = await services.inboundWebhooks.accept(signed.principal.keyId, signed.messageId, input.data);
      // As after a tRPC mutation: cached reads must not wait for the change notification to see the write.
      services.readCache.invalidateAll();
      res.json(BatchResponseSchema.parse({ success: true, ...stored }));
    } catch (error) {
      next(error);
    }
  });
}

/** The webhook's entry in the OpenAPI document. */
export function predictionWebhookOperation(): Record<string, unknown> {
  const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/error.BAD_REQUEST' } } } });
  const header = (name: string, description: string) => ({ in: 'header', name, required: true, description, schema: { type: 'string' } });
  return {
    post: {
      operationId: 'predictions-webhook',
      summary: "The ML service's signed push: a batch for a model given by id or name + version",
      description:
        'Signed the Standard Webhooks way (standardwebhooks.com) with the secret of POST /predictions/webhook/secret: ' +
        '`webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<raw body>">`. ' +
        'The timestamp must be within 5 minutes of the server clock and each webhook-id is accepted once per key. ' +
        'A bearer key is optional: given, its secret is used; otherwise the key whose secret matches. ' +
        'The key needs the predictions:write scope. Stored like POST /predictions/batch (idempotent).',
      tags: ['predictions'],
      // The bearer key is optional: the signature identifies the key.
      security: [{ apiKey: [] }, {}],
      parameters: [
        header('webhook-id', 'A unique message id; a replayed id is a 409'),
        header('webhook-timestamp', 'Unix seconds when it was signed'),
        header('webhook-signature', 'v1,<base64 signature> (several, space-separated, during a rotation)'),
      ],
      requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(WebhookInputSchema, { io: 'input', unrepresentable: 'any' }) } } },
      responses: {
        200: { description: 'Stored', content: { 'application/json': { schema: z.toJSONSchema(BatchResponseSchema, { io: 'output', unrepresentable: 'any' }) } } },
        400: error('Invalid body'),
        401: error('Missing, wrong or stale signature'),
        403: error('The signing key lacks predictions:write'),
        404: error('Unknown model'),
        409: error('webhook-id already received'),
      },
    },
  };
}
