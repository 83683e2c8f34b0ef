// Storage for API keys, SPA sessions and one-time sign-in tokens. Secrets are never stored: only
// their SHA-256, plus a short visible prefix of each key so people can tell keys apart.
import type pg from 'pg';
import type { PrismaClient } from '../db/generated/client';

export type ApiKeyRow = Awaited<ReturnType<PrismaClient['apiKey']['findUniqueOrThrow']>>;

const ACTIVE_KEY = (now: Date) => ({ revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] });

/** What authentication needs of a key, read with plain SQL on every request (no ORM work). */
export interface KeyCredentials {
  id: string;
  name: string;
  prefix: string;
  keyHash: string;
  scopes: string[];
  expiresAt: Date | null;
}

const CREDENTIAL_COLUMNS = `k.id, k.name, k.prefix, k.key_hash AS "keyHash", k.scopes, k.expires_at AS "expiresAt"`;
const KEY_IS_ACTIVE = `k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())`;

export class AuthRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pool: pg.Pool,
  ) {}

  createKey(data: { name: string; prefix: string; keyHash: string; scopes: string[]; expiresAt?: Date | null }): Promise<ApiKeyRow> {
    return this.prisma.apiKey.create({ data });
  }

  /** Usable keys with this visible prefix (normally one); the caller compares hashes in constant time. */
  async findActiveByPrefix(prefix: string): Promise<KeyCredentials[]> {
    const { rows } = await this.pool.query<KeyCredentials>({
      name: 'auth-keys-by-prefix', // prepared once per connection: this runs on every cache miss
      text: `SELECT ${CREDENTIAL_COLUMNS} FROM api_keys k WHERE k.prefix = $1 AND ${KEY_IS_ACTIVE}`,
      values: [prefix],
    });
    return rows;
  }

  findByName(name: string): Promise<ApiKeyRow | null> {
    return this.prisma.apiKey.findFirst({ where: { name }, orderBy: { createdAt: 'desc' } });
  }

  listKeys(): Promise<ApiKeyRow[]> {
    return this.prisma.apiKey.findMany({ orderBy: { createdAt: 'asc' } });
  }

  countKeys(): Promise<number> {
    return this.prisma.apiKey.count();
  }

  /** Revokes by id or by name; returns how many keys were revoked. */
  async revoke(idOrName: string, now = new Date()): Promise<number> {
    const isUuid = /^[0-9a-f-]{36}$/i.test(idOrName);
    const { count } = await this.prisma.apiKey.updateMany({
      where: { revokedAt: null, ...(isUuid ? { id: idOrName } : { name: idOrName }) },
      data: { revokedAt: now },
    });
    await this.prisma.session.deleteMany({ where: { apiKey: { revokedAt: { not: null } } } });
    return count;
  }

  updateKeyHash(id: string, data: { prefix: string; keyHash: string; scopes: string[] }): Promise<ApiKeyRow> {
    return this.prisma.apiKey.update({ where: { id }, data: { ...data, revokedAt: null } });
  }

  /** Records use at most once a minute per key (also across instances), so requests rarely write. */
  async touchKey(id: string): Promise<void> {
    await this.pool.query(
      `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }

  createSession(tokenHash: string, apiKeyId: string, expiresAt: Date): Promise<unknown> {
    return this.prisma.session.create({ data: { tokenHash, apiKeyId, expiresAt } });
  }

  /** The key behind a live session, if both are still valid. */
  async findSessionKey(tokenHash: string): Promise<KeyCredentials | null> {
    const { rows } = await this.pool.query<KeyCredentials>(
      `SELECT ${CREDENTIAL_COLUMNS} FROM sessions s JOIN api_keys k ON k.id = s.api_key_id
       WHERE s.token_hash = $1 AND s.expires_at > now() AND ${KEY_IS_ACTIVE}`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.prisma.session.deleteMany({ where: { tokenHash } });
  }

  async deleteExpiredSessions(now = new Date()): Promise<number> {
    const [sessions, tokens] = await Promise.all([
      this.prisma.session.deleteMany({ where: { expiresAt: { lte: now } } }),
      this.prisma.signInToken.deleteMany({ where: { expiresAt: { lte: now } } }),
    ]);
    return sessions.count + tokens.count;
  }

  createSignInToken(tokenHash: string, apiKeyId: string, expiresAt: Date): Promise<unknown> {
    return this.prisma.signInToken.create({ data: { tokenHash, apiKeyId, expiresAt } });
  }

  /** Marks the token used and returns its key; null if unknown, used, expired or its key revoked. */
  async consumeSignInToken(tokenHash: string, now = new Date()): Promise<string | null> {
    // The conditional update is the atomic "use once": two concurrent clicks cannot both win.
    const { count } = await this.prisma.signInToken.updateMany({
      where: { tokenHash, usedAt: null, expiresAt: { gt: now }, apiKey: ACTIVE_KEY(now) },
      data: { usedAt: now },
    });
    if (count === 0) return null;
    const token = await this.prisma.signInToken.findUniqueOrThrow({ where: { tokenHash } });
    return token.apiKeyId;
  }
}
