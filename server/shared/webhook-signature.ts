// Webhooks both ways follow the Standard Webhooks scheme (standardwebhooks.com), through its
// reference library: headers `webhook-id`, `webhook-timestamp` (Unix seconds) and
// `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, secrets `whsec_<base64>`,
// and a 5-minute tolerance on the timestamp. Inbound (ML services pushing predictions) verifies,
// outbound (bots' subscriptions) signs; replay protection by message id is the receiver's table.
import crypto from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { DomainError } from './domain-error';

const WEBHOOK_HEADERS = { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' } as const;

/** A new signing secret, shown to its owner once. */
export function newWebhookSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString('base64')}`;
}

/** The three headers for a delivery of `body` (the exact bytes sent). */
export function signWebhook(secret: string, messageId: string, at: Date, body: string): Record<string, string> {
  return {
    [WEBHOOK_HEADERS.id]: messageId,
    [WEBHOOK_HEADERS.timestamp]: String(Math.floor(at.getTime() / 1000)),
    [WEBHOOK_HEADERS.signature]: new Webhook(secret).sign(messageId, at, body),
  };
}

/**
 * Checks `rawBody` (the bytes received, before any JSON parsing) against the headers: a missing,
 * malformed, wrong or stale (beyond 5 minutes either way) signature is a DomainError
 * 'unauthenticated' (401). Returns the message id for replay protection.
 */
export function verifyWebhook(secret: string, headers: Record<string, string | string[] | undefined>, rawBody: string | Buffer): string {
  const one = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? undefined : value;
  };
  const [id, timestamp, signature] = [one(WEBHOOK_HEADERS.id), one(WEBHOOK_HEADERS.timestamp), one(WEBHOOK_HEADERS.signature)];
  if (!id || !timestamp || !signature) throw new DomainError('unauthenticated', 'Missing webhook-id, webhook-timestamp or webhook-signature header');
  try {
    new Webhook(secret).verify(rawBody, { [WEBHOOK_HEADERS.id]: id, [WEBHOOK_HEADERS.timestamp]: timestamp, [WEBHOOK_HEADERS.signature]: signature }, { jsonParse: false });
  } catch (error) {
    if (error instanceof WebhookVerificationError) throw new DomainError('unauthenticated', `Webhook signature rejected: ${error.message}`, { cause: error });
    throw error;
  }
  return id;
}
