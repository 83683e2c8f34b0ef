// Storage of inbound-webhook state: each API key's sealed signing secret, and the message ids already
// accepted (replay protection), kept only as long as a signature stays valid.
import type pg from 'pg';

/** An API key able to sign webhooks: its sealed secret and what a principal needs. */
export interface SigningKey {
  keyId: string;
  name: string;
  prefix: string;
  scopes: string[];
  sealedSecret: string;
}

const SIGNING_KEY_COLUMNS = `k.id AS "keyId", k.name, k.prefix, k.scopes, s.sealed_secret AS "sealedSecret"`;
// Only keys that are neither revoked nor expired sign.
const LIVE_KEY = `k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())`;

export class InboundWebhookRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Stores (or replaces) the key's sealed secret; false when there is no live key with that id. */
  async saveSecret(keyId: string, sealedSecret: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO webhook_secrets (api_key_id, sealed_secret)
       SELECT k.id, $2 FROM api_keys k WHERE k.id = $1 AND ${LIVE_KEY}
       ON CONFLICT (api_key_id) DO UPDATE SET sealed_secret = EXCLUDED.sealed_secret, created_at = now()`,
      [keyId, sealedSecret],
    );
    return rowCount === 1;
  }

  /** The live keys with a secret: `keyId`'s alone when given. */
  async signingKeys(keyId?: string): Promise<SigningKey[]> {
    const { rows } = await this.pool.query<SigningKey>(
      `SELECT ${SIGNING_KEY_COLUMNS} FROM webhook_secrets s JOIN api_keys k ON k.id = s.api_key_id
       WHERE ${LIVE_KEY} AND ($1::uuid IS NULL OR k.id = $1) ORDER BY k.created_at`,
      [keyId ?? null],
    );
    return rows;
  }

  /**
   * Records a message id as received; false when it already was (a replay). Ids older than
   * `keepSeconds` are forgotten first: their signatures can no longer pass the timestamp check.
   */
  async claimMessage(keyId: string, messageId: string, keepSeconds: number): Promise<boolean> {
    await this.pool.query(`DELETE FROM webhook_messages WHERE received_at < now() - make_interval(secs => $1)`, [keepSeconds]);
    const { rowCount } = await this.pool.query(
      `INSERT INTO webhook_messages (api_key_id, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [keyId, messageId],
    );
    return rowCount === 1;
  }

  /** Forgets a claimed id whose message was then refused, so the sender's retry is not a replay. */
  async releaseMessage(keyId: string, messageId: string): Promise<void> {
    await this.pool.query('DELETE FROM webhook_messages WHERE api_key_id = $1 AND message_id = $2', [keyId, messageId]);
  }
}
