// API keys and sessions. A key is `qb_` + 43 random base64url characters, shown once; we keep its
// SHA-256 and its first 11 characters (the visible prefix). Verification looks keys up by prefix
// and compares hashes with crypto.timingSafeEqual, so timing reveals nothing about a secret.
import crypto from 'node:crypto';
import type pg from 'pg';
import { listen, type NotificationListener } from '../db/notifications';
import type { Principal } from './principal';
import type { ApiKeyRow, AuthRepository, KeyCredentials } from './repository';
import { ENV_KEY_SCOPES, type ApiKeyInfo, type Scope } from './schema';

const KEY_PREFIX_LENGTH = 11; // "qb_" + 8 characters
/** Prefixes remembered at most (unknown ones included); beyond that the cache starts over. */
const KEY_CACHE_MAX_ENTRIES = 10_000;
const API_KEYS_CHANGED_CHANNEL = 'api_keys_changed';
const sha256 = (secret: string) => crypto.createHash('sha256').update(secret).digest();
const randomSecret = (bytes = 32) => crypto.randomBytes(bytes).toString('base64url');

export interface AuthOptions {
  sessionTtlHours: number;
  signInTokenTtlHours: number;
  /**
   * How long a cached key lookup may be used at most (default 30 s): the bound on staleness should
   * notifications be lost without the connection failing (e.g. LISTEN through a transaction-pooling
   * proxy, which does not deliver them).
   */
  keyCacheTtlMs?: number;
}

export interface CreatedKey {
  key: string; // the secret, shown once
  info: ApiKeyInfo;
}

function toInfo(row: ApiKeyRow): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
  };
}

function toPrincipal(row: KeyCredentials): Principal {
  return { keyId: row.id, name: row.name, prefix: row.prefix, scopes: new Set(row.scopes) };
}

export class AuthService {
  /** When this process last recorded each key's use; spares a database round trip per request. */
  private readonly lastTouched = new Map<string, number>();

  /**
   * Usable keys by visible prefix (an empty list for unknown prefixes), so verifying a key costs no
   * database round trip. Trusted only while `keyChanges` listens: a trigger on api_keys notifies
   * every instance of each create, revoke, rotation or delete, and each drops its cache. A lookup
   * that raced such a change is not stored (`cacheGeneration` moved on meanwhile).
   */
  private readonly keyCache = new Map<string, { keys: KeyCredentials[]; until: number }>();
  private cacheGeneration = 0;
  private keyChanges: NotificationListener | null = null;

  /** `pool`: whose connection settings the key-change listener uses. */
  constructor(
    private readonly repository: AuthRepository,
    private readonly pool: pg.Pool,
    private readonly options: AuthOptions,
  ) {}

  /** Turns the key cache on (the HTTP server does; one-shot CLIs need not). Resolves once it is live. */
  async startKeyCache(): Promise<void> {
    this.keyChanges ??= listen(this.pool.options, API_KEYS_CHANGED_CHANNEL, {
      onNotify: () => this.dropKeyCache(),
      onLiveChange: () => this.dropKeyCache(),
    });
    await this.keyChanges.ready;
  }

  async stopKeyCache(): Promise<void> {
    const listener = this.keyChanges;
    this.keyChanges = null;
    this.dropKeyCache();
    await listener?.close();
  }

  private dropKeyCache(): void {
    this.keyCache.clear();
    this.cacheGeneration++;
  }

  private async activeKeysByPrefix(prefix: string): Promise<KeyCredentials[]> {
    const trusted = this.keyChanges?.live === true;
    const cached = trusted ? this.keyCache.get(prefix) : undefined;
    const now = Date.now();
    if (cached && now < cached.until) return cached.keys.filter((key) => key.expiresAt === null || key.expiresAt.getTime() > now);
    const generation = this.cacheGeneration;
    const rows = await this.repository.findActiveByPrefix(prefix);
    if (trusted && this.keyChanges?.live && generation === this.cacheGeneration) {
      if (this.keyCache.size >= KEY_CACHE_MAX_ENTRIES) this.keyCache.clear();
      this.keyCache.set(prefix, { keys: rows, until: now + (this.options.keyCacheTtlMs ?? 30_000) });
    }
    return rows;
  }

  async createKey(name: string, scopes: readonly Scope[], expiresAt?: Date): Promise<CreatedKey> {
    const key = `qb_${randomSecret()}`;
    const row = await this.repository.createKey({
      name,
      prefix: key.slice(0, KEY_PREFIX_LENGTH),
      keyHash: sha256(key).toString('hex'),
      scopes: [...new Set(scopes)],
      expiresAt: expiresAt ?? null,
    });
    return { key, info: toInfo(row) };
  }

  async listKeys(): Promise<ApiKeyInfo[]> {
    return (await this.repository.listKeys()).map(toInfo);
  }

  async revokeKey(idOrName: string): Promise<number> {
    const revoked = await this.repository.revoke(idOrName);
    this.dropKeyCache(); // this instance at once; the others when the notification arrives
    return revoked;
  }

  hasAnyKey(): Promise<boolean> {
    return this.repository.countKeys().then((n) => n > 0);
  }

  /** The principal for a presented key, or null when unknown, revoked or expired. */
  async verifyKey(presented: string): Promise<Principal | null> {
    if (presented.length < KEY_PREFIX_LENGTH || presented.length > 200) return null;
    const digest = sha256(presented);
    const candidates = await this.activeKeysByPrefix(presented.slice(0, KEY_PREFIX_LENGTH));
    const match = candidates.find((row) => crypto.timingSafeEqual(Buffer.from(row.keyHash, 'hex'), digest));
    if (!match) return null;
    const now = Date.now();
    if (now - (this.lastTouched.get(match.id) ?? 0) > 60_000) {
      this.lastTouched.set(match.id, now);
      await this.repository.touchKey(match.id);
    }
    return toPrincipal(match);
  }

  /**
   * The plan's TRADING_BOT_API_KEY / ML_SERVICE_API_KEY: stored like any other key (hashed, under
   * the variable's name) so they show in `keys list`, track last use and can be revoked. A revoked
   * env key stays revoked until the variable holds a different value.
   */
  async syncEnvironmentKeys(env: Partial<Record<keyof typeof ENV_KEY_SCOPES, string>>): Promise<void> {
    for (const [variable, scopes] of Object.entries(ENV_KEY_SCOPES) as Array<[keyof typeof ENV_KEY_SCOPES, readonly Scope[]]>) {
      const value = env[variable];
      if (!value) continue;
      if (value.length < 24) throw new Error(`${variable} must be at least 24 characters`);
      const keyHash = sha256(value).toString('hex');
      const existing = await this.repository.findByName(variable);
      const prefix = value.slice(0, KEY_PREFIX_LENGTH);
      if (!existing) await this.repository.createKey({ name: variable, prefix, keyHash, scopes: [...scopes] });
      else if (existing.keyHash !== keyHash) await this.repository.updateKeyHash(existing.id, { prefix, keyHash, scopes: [...scopes] });
    }
  }

  /** Exchanges a key for a session token (the cookie value); null if the key is not valid. */
  async signIn(presentedKey: string): Promise<{ token: string; expiresAt: Date } | null> {
    const principal = await this.verifyKey(presentedKey);
    return principal && this.openSession(principal.keyId);
  }

  async signInWithToken(oneTimeToken: string): Promise<{ token: string; expiresAt: Date } | null> {
    const keyId = await this.repository.consumeSignInToken(sha256(oneTimeToken).toString('hex'));
    return keyId ? this.openSession(keyId) : null;
  }

  async createSignInToken(keyId: string): Promise<string> {
    const token = randomSecret();
    const expiresAt = new Date(Date.now() + this.options.signInTokenTtlHours * 3_600_000);
    await this.repository.createSignInToken(sha256(token).toString('hex'), keyId, expiresAt);
    return token;
  }

  async verifySession(token: string): Promise<Principal | null> {
    const row = await this.repository.findSessionKey(sha256(token).toString('hex'));
    return row && toPrincipal(row);
  }

  signOut(token: string): Promise<void> {
    return this.repository.deleteSession(sha256(token).toString('hex'));
  }

  pruneExpired(): Promise<number> {
    return this.repository.deleteExpiredSessions();
  }

  private async openSession(keyId: string): Promise<{ token: string; expiresAt: Date }> {
    const token = randomSecret();
    const expiresAt = new Date(Date.now() + this.options.sessionTtlHours * 3_600_000);
    await this.repository.createSession(sha256(token).toString('hex'), keyId, expiresAt);
    return { token, expiresAt };
  }
}
