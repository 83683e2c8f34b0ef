import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box';

const key = () => crypto.randomBytes(32).toString('base64');

describe('SecretBox', () => {
  it('opens what it sealed, with a fresh nonce each time, and refuses another key or an altered box', () => {
    const box = SecretBox.fromConfig({ SECRETS_KEY: key(), dataDir: '/nonexistent' });
    const a = box.seal('whsec_abc');
    const b = box.seal('whsec_abc');
    expect(a).not.toBe(b);
    expect(a).not.toContain('whsec_abc');
    expect([box.open(a), box.open(b)]).toEqual(['whsec_abc', 'whsec_abc']);
    expect(() => SecretBox.fromConfig({ SECRETS_KEY: key(), dataDir: '/nonexistent' }).open(a)).toThrow();
    const raw = Buffer.from(a.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => box.open(`v1:${raw.toString('base64')}`)).toThrow();
    expect(() => box.open('plain')).toThrow('not a sealed secret');
  });

  it('without SECRETS_KEY, creates one key file (0600) and every box of that folder shares it', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-secrets-'));
    try {
      const sealed = SecretBox.fromConfig({ dataDir }).seal('s3cret');
      const file = path.join(dataDir, 'secrets.key');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(SecretBox.fromConfig({ dataDir }).open(sealed)).toBe('s3cret');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => SecretBox.fromConfig({ SECRETS_KEY: Buffer.alloc(16).toString('base64'), dataDir: '/x' })).toThrow('SECRETS_KEY');
  });
});
