// One webhook attempt on the wire: a POST with node's http/https (not fetch: its connection's DNS
// lookup must be the guarded one), no redirects followed, the whole exchange under one deadline.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';

export interface PostOutcome {
  /** The receiver's status, null when none came. */
  statusCode: number | null;
  /** Why the attempt failed without a status (timeout, refused, DNS), or a short note on a non-2xx. */
  error: string | null;
}

/** The most of a receiver's answer read (and dropped): enough to finish the exchange politely. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; lookup: net.LookupFunction },
): Promise<PostOutcome> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Quantbase-Webhooks/1' },
        lookup: options.lookup,
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (response) => {
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_RESPONSE_BYTES) response.destroy();
        });
        const statusCode = response.statusCode ?? null;
        const done = () => resolve({ statusCode, error: statusCode !== null && statusCode >= 200 && statusCode < 300 ? null : `HTTP ${statusCode}` });
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      const timedOut = error.name === 'AbortError' || error.name === 'TimeoutError';
      resolve({ statusCode: null, error: timedOut ? `timed out after ${options.timeoutMs} ms` : `${error.code ?? error.name}: ${error.message}` });
    });
    request.end(body);
  });
}
