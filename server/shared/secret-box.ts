// Secrets the server must use again later (webhook signing secrets: it signs and verifies with them)
// cannot be stored hashed like API keys; they are stored sealed with AES-256-GCM under one server
// key. The key is SECRETS_KEY (base64 of 32 bytes; every instance of a deployment needs the same
// one), or, when unset, a key generated once into $DATA_DIR/secrets.key (mode 0600) for a single
// machine. A database dump alone then reveals no secret.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** SECRETS_KEY when given, else the key file under `dataDir`, created on first use. */
  static fromConfig(config: { SECRETS_KEY?: string; dataDir: string }): SecretBox {
    if (config.SECRETS_KEY) return new SecretBox(parseKey(config.SECRETS_KEY, 'SECRETS_KEY'));
    const file = path.join(config.dataDir, 'secrets.key');
    if (!fs.existsSync(file)) {
      fs.mkdirSync(config.dataDir, { recursive: true });
      // 'wx': never overwrite a key another process wrote meanwhile.
      try {
        fs.writeFileSync(file, crypto.randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    return new SecretBox(parseKey(fs.readFileSync(file, 'utf8').trim(), file));
  }

  seal(plaintext: string): string {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64')}`;
  }

  /** The plaintext; throws if `sealed` was not sealed by this key or was altered. */
  open(sealed: string): string {
    const [version, body] = sealed.split(':');
    if (version !== VERSION || !body) throw new Error('not a sealed secret');
    const raw = Buffer.from(body, 'base64');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}

function parseKey(base64: string, source: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new Error(`${source} must be the base64 encoding of 32 random bytes (openssl rand -base64 32)`);
  return key;
}
