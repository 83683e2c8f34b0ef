import { describe, expect, it } from 'vitest';
import { pacerFor, parseRetryAfter, retryDelayMs, TokenBucket, UNPACED } from './pacing';

describe('TokenBucket', () => {
  it('spaces requests at the configured rate (burst 1)', async () => {
    const bucket = new TokenBucket(20);
    const started = performance.now();
    for (let i = 0; i < 5; i++) await bucket.take();
    // First token is there at once, four more at 50 ms each.
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('serves concurrent takers first come, first served', async () => {
    const bucket = new TokenBucket(50);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => bucket.take().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('holds every request back during a pause (Retry-After)', async () => {
    const bucket = new TokenBucket(1000);
    bucket.pause(120);
    const started = performance.now();
    await bucket.take();
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('stops waiting when aborted', async () => {
    const bucket = new TokenBucket(0.1);
    await bucket.take();
    const controller = new AbortController();
    const waiting = bucket.take(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });

  it('maps plans: free = 5 a minute, paid = N a second capped under 100, off = no pacing', () => {
    expect(pacerFor('starter', 50, 'off')).toBe(UNPACED);
    expect(pacerFor('free', 50, 'on')).toBeInstanceOf(TokenBucket);
    expect(() => new TokenBucket(0)).toThrow();
  });
});

describe('retry timing', () => {
  it('draws full jitter below the exponential ceiling', () => {
    expect(retryDelayMs(0, undefined, { baseMs: 100, random: () => 0.999 })).toBe(99);
    expect(retryDelayMs(3, undefined, { baseMs: 100, random: () => 0.5 })).toBe(400);
    expect(retryDelayMs(20, undefined, { baseMs: 100, maxMs: 5000, random: () => 0.999 })).toBe(4995);
    expect(retryDelayMs(2, undefined, { baseMs: 100, random: () => 0 })).toBe(0);
  });

  it('never retries sooner than Retry-After', () => {
    expect(retryDelayMs(0, 2000, { baseMs: 100, random: () => 0.5 })).toBe(2000);
    expect(retryDelayMs(10, 10, { baseMs: 100, random: () => 0.5 })).toBe(30_000); // the backoff, when longer
  });

  it('parses Retry-After seconds and HTTP dates', () => {
    const now = Date.parse('2025-07-01T12:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Tue, 01 Jul 2025 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Tue, 01 Jul 2025 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('99999', now)).toBe(600_000);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
