// The SSRF guard on its own: which addresses count as public, how a URL's host is judged (literal,
// DNS answer, allow-list; answers from a stub so the cases do not depend on the machine's
// resolver), and the connect-time lookup that stops a name re-pointed after the check.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { postWebhook } from './post';
import { isPublicAddress, TargetGuard } from './target-guard';

describe('isPublicAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback /8'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private, top of /12'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.255', 'CGNAT, top of /10'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'IPv6 unspecified'],
    ['::1', 'IPv6 loopback'],
    ['fe80::1', 'IPv6 link-local'],
    ['fd00::1', 'IPv6 unique local'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex form'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of 169.254.169.254'],
  ])('refuses %s (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    ['8.8.8.8'],
    ['172.32.0.1'], // just above 172.16/12
    ['100.128.0.1'], // just above 100.64/10
    ['2606:4700:4700::1111'],
    ['::ffff:8.8.8.8'],
  ])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('refuses what is not an address at all', () => {
    expect(isPublicAddress('localhost')).toBe(false);
  });
});

describe('TargetGuard.refusal', () => {
  const dns: Record<string, string[]> = {
    'public.example': ['93.184.215.14'],
    'internal.example': ['10.0.0.7'],
    'mixed.example': ['93.184.215.14', '::1'],
  };
  const lookup = async (host: string) => {
    const answer = dns[host];
    if (!answer) throw new Error('ENOTFOUND');
    return answer;
  };
  const guard = new TargetGuard('internal.example, 127.0.0.1', lookup);

  it('accepts a public host, by name or literal', async () => {
    expect(await guard.refusal('https://public.example/hook')).toBeNull();
    expect(await guard.refusal('http://93.184.215.14:8080/hook')).toBeNull();
  });

  it('refuses hosts that are or resolve to private addresses, even when only one answer is', async () => {
    expect(await guard.refusal('http://192.168.0.10/hook')).toMatch(/private or reserved address \(192\.168\.0\.10\)/);
    expect(await guard.refusal('http://[::ffff:169.254.169.254]/latest')).toMatch(/private or reserved/);
    expect(await guard.refusal('http://mixed.example/hook')).toMatch(/resolves to a private or reserved address \(::1\)/);
    // WHATWG URL parsing turns the decimal form into 127.0.0.2, which is not on the allow-list.
    expect(await guard.refusal('http://2130706434/')).toMatch(/127\.0\.0\.2/);
  });

  it('lets WEBHOOK_ALLOWED_HOSTS through, by name or literal', async () => {
    expect(await guard.refusal('http://internal.example/hook')).toBeNull();
    expect(await guard.refusal('http://127.0.0.1:9999/hook')).toBeNull();
  });

  it('refuses other schemes, credentials and names that do not resolve', async () => {
    expect(await guard.refusal('ftp://public.example/')).toBe('must be an http or https URL');
    expect(await guard.refusal('file:///etc/passwd')).toBe('must be an http or https URL');
    expect(await guard.refusal('http://user:pw@public.example/')).toBe('must not carry credentials');
    expect(await guard.refusal('http://nowhere.example/')).toBe('host nowhere.example does not resolve');
  });
});

describe('TargetGuard.guardedLookup (connect time)', () => {
  it('fails the connection when the name resolves to loopback, unless the name is allowed', async () => {
    const hits: string[] = [];
    const server = http.createServer((req, res) => {
      hits.push(req.url!);
      res.writeHead(200).end();
    });
    // Should "localhost" resolve to ::1 first, node's family auto-selection falls back to 127.0.0.1.
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    // A check passed earlier (the stub said public) does not matter: the connection resolves again.
    const rebound = new TargetGuard('', async () => ['93.184.215.14']);
    const url = `http://localhost:${port}/hook`;
    try {
      expect(await rebound.refusal(url)).toBeNull();
      const refused = await postWebhook(url, {}, '{}', { timeoutMs: 5000, lookup: rebound.guardedLookup });
      expect(refused).toEqual({ statusCode: null, error: expect.stringMatching(/^EWEBHOOKTARGET: localhost resolves to a private or reserved address/) });
      expect(hits).toEqual([]);

      const allowed = new TargetGuard('localhost');
      expect(await postWebhook(url, {}, '{}', { timeoutMs: 5000, lookup: allowed.guardedLookup })).toEqual({ statusCode: 200, error: null });
      expect(hits).toEqual(['/hook']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
