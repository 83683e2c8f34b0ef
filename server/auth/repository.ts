// Storage for API keys, SPA sessions and one-time sign-in tokens. Secrets are never stored: only
// their SHA-256, plus a short visible prefix of each key so people can tell keys apart.
import type { PrismaClient } from '../db/generated/client';

export type ApiKeyRow = Awaited<ReturnType<PrismaClient['apiKey']['findUniqueOrThrow']>>;

const ACTIVE_KEY = (now: Date) => ({ revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] });

export class AuthRepository {
  constructor(private readonly prisma: PrismaClient) {}

  createKey(data: { name: string; prefix: string; keyHash: string; scopes: string[]; expiresAt?: Date | null }): Promise<ApiKeyRow> {
    return this.prisma.apiKey.create({ data });
  }

  /** Usable keys with this visible prefix (normally one); the caller compares hashes in constant time. */
  findActiveByPrefix(prefix: string, now = new Date()): Promise<ApiKeyRow[]> {
    return this.prisma.apiKey.findMany({ where: { prefix, ...ACTIVE_KEY(now) } });
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

  /** Records use at most once a minute per key, so authentication does not write on every request. */
  async touchKey(id: string, now = new Date()): Promise<void> {
    await this.prisma.apiKey.updateMany({
      where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - 60_000) } }] },
      data: { lastUsedAt: now },
    });
  }

  createSession(tokenHash: string, apiKeyId: string, expiresAt: Date): Promise<unknown> {
    return this.prisma.session.create({ data: { tokenHash, apiKeyId, expiresAt } });
  }

  /** The key behind a live session, if both are still valid. */
  async findSessionKey(tokenHash: string, now = new Date()): Promise<ApiKeyRow | null> {
    const session = await this.prisma.session.findFirst({
      where: { tokenHash, expiresAt: { gt: now }, apiKey: ACTIVE_KEY(now) },
      include: { apiKey: true },
    });
    return session?.apiKey ?? null;
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
