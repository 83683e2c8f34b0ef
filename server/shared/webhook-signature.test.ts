import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DomainError } from './domain-error';
import { newWebhookSecret, signWebhook, verifyWebhook } from './webhook-signature';

const body = JSON.stringify({ predictions: [{ ticker: 'SPY' }] });

/** The scheme computed by hand: base64 HMAC-SHA256 of "id.timestamp.body" under the secret's bytes. */
function expectedSignature(secret: string, id: string, seconds: number, payload: string): string {
  const mac = crypto.createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${seconds}.${payload}`).digest('base64');
  return `v1,${mac}`;
}

describe('Standard Webhooks signatures', () => {
  it('signs as the scheme says and verifies its own signature', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const at = new Date();
    const headers = signWebhook(secret, 'msg_1', at, body);
    const seconds = Math.floor(at.getTime() / 1000);
    expect(headers).toEqual({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(seconds), 'webhook-signature': expectedSignature(secret, 'msg_1', seconds, body) });
    expect(verifyWebhook(secret, headers, body)).toBe('msg_1');
    expect(verifyWebhook(secret, headers, Buffer.from(body))).toBe('msg_1');
  });

  it('refuses (401) a wrong secret, an altered body, a stale or future timestamp, and missing headers', () => {
    const secret = newWebhookSecret();
    const now = new Date();
    const refused = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof DomainError && error.kind === 'unauthenticated';
      }
      return false;
    };
    expect(refused(() => verifyWebhook(newWebhookSecret(), signWebhook(secret, 'm', now, body), body))).toBe(true);
    expect(refused(() => verifyWebhook(secret, signWebhook(secret, 'm', now, body), body + ' '))).toBe(true);
    expect(refused(() => verifyWebhook(secret, signWebhook(secret, 'm', new Date(now.getTime() - 6 * 60_000), body), body))).toBe(true);
    expect(refused(() => verifyWebhook(secret, signWebhook(secret, 'm', new Date(now.getTime() + 6 * 60_000), body), body))).toBe(true);
    expect(refused(() => verifyWebhook(secret, { 'webhook-id': 'm' }, body))).toBe(true);
    // Within the tolerance it passes.
    expect(verifyWebhook(secret, signWebhook(secret, 'm', new Date(now.getTime() - 4 * 60_000), body), body)).toBe('m');
  });
});
