// The in-memory key cache of AuthService across "instances" (two services on one database): it
// really serves from memory, a change to a key reaches every instance through NOTIFY, and while
// the listening connection is down nothing cached is trusted.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, silently, type TestDatabase } from '../testing/db';
import { AuthRepository } from './repository';
import { AuthService } from './service';

let db: TestDatabase;
let a: AuthService;
let b: AuthService;
const options = { sessionTtlHours: 1, signInTokenTtlHours: 1 };

beforeAll(async () => {
  db = await createTestDatabase();
  a = new AuthService(new AuthRepository(db.prisma, db.pool), db.pool, options);
  b = new AuthService(new AuthRepository(db.prisma, db.pool), db.pool, options);
  await Promise.all([a.startKeyCache(), b.startKeyCache()]);
});
afterAll(async () => {
  await Promise.all([a.stopKeyCache(), b.stopKeyCache()]);
  await db.drop();
});


/** A key stored without any notification, so no in-flight NOTIFY can race the test. */
async function silentKey(name: string): Promise<{ key: string; id: string }> {
  const key = `qb_${crypto.randomBytes(32).toString('base64url')}`;
  const id = crypto.randomUUID();
  const hash = crypto.createHash('sha256').update(key).digest('hex');
  await silently(db.pool, `INSERT INTO api_keys (id, name, prefix, key_hash, scopes) VALUES ($1, $2, $3, $4, ARRAY['market:read'])`, [id, name, key.slice(0, 11), hash]);
  return { key, id };
}

describe('AuthService key cache', () => {
  it('serves a verified key from memory, and drops it on any instance when the key changes', async () => {
    const { key, id } = await silentKey('cached');
    expect((await a.verifyKey(key))?.keyId).toBe(id);
    // Revoked without notifying: instance A still answers from its cache (proof that it caches).
    await silently(db.pool, `UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [id]);
    expect((await a.verifyKey(key))?.keyId).toBe(id);
    // Any change through the normal path notifies every instance, and A refuses (well before the
    // cache's own 30 s bound, which would otherwise be the only way out).
    await b.revokeKey('nothing-by-this-name'); // touches no row, still a statement on api_keys
    await expect.poll(() => a.verifyKey(key), { timeout: 5000, interval: 5 }).toBeNull();
  });

  it('refuses a key revoked on another instance', async () => {
    const { key } = await a.createKey('revoked-elsewhere', ['market:read']);
    expect(await a.verifyKey(key)).not.toBeNull();
    expect(await b.verifyKey(key)).not.toBeNull();
    await b.revokeKey('revoked-elsewhere');
    expect(await b.verifyKey(key)).toBeNull(); // the revoking instance at once
    await expect.poll(() => a.verifyKey(key), { timeout: 5000, interval: 5 }).toBeNull();
  });

  it('honours an expiry that passes while the key is cached', async () => {
    const { key, info } = await a.createKey('expiring', ['market:read'], new Date(Date.now() + 400));
    expect(await a.verifyKey(key)).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await a.verifyKey(key)).toBeNull();
    expect(info.expiresAt).toBeInstanceOf(Date);
  });

  it('uses a cached lookup for a bounded time only, even if no notification ever comes', async () => {
    const brief = new AuthService(new AuthRepository(db.prisma, db.pool), db.pool, { ...options, keyCacheTtlMs: 1500 });
    await brief.startKeyCache();
    try {
      const { key, id } = await silentKey('short-ttl');
      expect(await brief.verifyKey(key)).not.toBeNull();
      await silently(db.pool, `UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [id]);
      expect(await brief.verifyKey(key)).not.toBeNull(); // still cached
      await new Promise((resolve) => setTimeout(resolve, 1600));
      expect(await brief.verifyKey(key)).toBeNull();
    } finally {
      await brief.stopKeyCache();
    }
  });

  it('trusts nothing cached while its listening connection is down, and caches again once back', async () => {
    const { key, info } = await b.createKey('outage', ['market:read']);
    expect(await a.verifyKey(key)).not.toBeNull();
    // Cut every listener; notifications sent now would be lost.
    await db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'quantbase-listen-api_keys_changed'`);
    await silently(db.pool, `UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [info.id]);
    // A notices the lost connection and goes to the database, which says revoked.
    await expect.poll(() => a.verifyKey(key), { timeout: 5000, interval: 5 }).toBeNull();
    // Once the listeners are back (they reconnect with backoff), A caches again.
    const servedFromCache = async () => {
      const fresh = await silentKey(`after-outage-${crypto.randomUUID()}`);
      await a.verifyKey(fresh.key);
      await silently(db.pool, `UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [fresh.id]);
      return (await a.verifyKey(fresh.key)) !== null;
    };
    await expect.poll(servedFromCache, { timeout: 5000, interval: 50 }).toBe(true);
  });
});
