// The availability monitor against a database that accepts TCP connections but never answers (a
// black-holed host, the case a refused connection does not cover): the first request waits out the
// short connect timeout, every later one is refused at once, through pg and through Prisma alike.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toTRPCError } from '../errors';
import { createDbHandles, type DbHandles } from './client';

let silent: net.Server;
const sockets: net.Socket[] = [];
let db: DbHandles;

beforeAll(async () => {
  silent = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as net.AddressInfo;
  db = createDbHandles(`postgresql://nobody:nothing@127.0.0.1:${port}/silent`, 2, 500);
});

afterAll(async () => {
  await db.prisma.$disconnect();
  await db.pool.end();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

async function timed(work: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  const error = await work().then(
    () => null,
    (e: unknown) => e,
  );
  return { ms: performance.now() - started, error };
}

describe('database availability', () => {
  it('fails the first request after the connect timeout, then refuses at once until a probe gets an answer', async () => {
    expect(db.availability.available).toBe(true);
    // Through Prisma first: its one-time start (loading its query compiler) is not part of what is timed later.
    const first = await timed(() => db.prisma.model.count());
    expect(first.ms).toBeGreaterThanOrEqual(450);
    expect(first.ms).toBeLessThan(3_000);
    expect(toTRPCError(first.error)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable; retry shortly' });
    expect(db.availability.available).toBe(false);

    for (const work of [() => db.pool.query('SELECT 1'), () => db.prisma.model.count()]) {
      const next = await timed(work);
      expect(next.ms).toBeLessThan(100);
      expect(toTRPCError(next.error)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable; retry shortly' });
    }
    // The probe keeps trying (and timing out) in the background: still down.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(db.availability.available).toBe(false);
  });
});
