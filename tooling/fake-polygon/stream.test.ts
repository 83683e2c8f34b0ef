// The fake stocks socket against a plain `ws` client: Polygon's handshake, the replayed AM events, and
// the injected faults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadSpyMinuteBars } from '../reference/reference-csv';
import { startFakePolygon, type FakePolygon } from './server';
import type { PolygonMinuteEvent } from './stream';

const minute = loadSpyMinuteBars();
// 2025-07-03 (a half day, extended hours included) in UTC milliseconds: 04:00 EDT to 04:00 EDT next day.
const JULY_3 = { from: Date.parse('2025-07-03T08:00:00Z'), to: Date.parse('2025-07-04T08:00:00Z') };
const july3 = minute.filter((b) => b.timestamp.getTime() >= JULY_3.from && b.timestamp.getTime() < JULY_3.to);

let fake: FakePolygon;
beforeAll(async () => {
  fake = await startFakePolygon({ minuteBars: { SPY: minute }, apiKey: 'ws-key' });
});
afterAll(async () => {
  await fake.close();
});

/** A client that records every frame (parsed; raw text when not JSON). */
function connect(): Promise<{ ws: WebSocket; frames: unknown[]; closed: Promise<number> }> {
  const ws = new WebSocket(`${fake.url.replace(/^http/, 'ws')}/stocks`);
  const frames: unknown[] = [];
  ws.on('message', (data) => {
    const text = String(data);
    try {
      frames.push(JSON.parse(text));
    } catch {
      frames.push(text);
    }
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, frames, closed }));
    ws.once('error', reject);
  });
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const statuses = (frames: unknown[]) => frames.flatMap((f) => (Array.isArray(f) ? f : [])).filter((e: { ev?: string }) => e.ev === 'status').map((e: { status: string }) => e.status);
const events = (frames: unknown[]) => frames.flatMap((f) => (Array.isArray(f) ? f : [])).filter((e: { ev?: string }) => e.ev === 'AM') as PolygonMinuteEvent[];

describe('fake stocks socket', () => {
  it('speaks the handshake and replays the day bar for bar', async () => {
    const c = await connect();
    c.ws.send(JSON.stringify({ action: 'auth', params: 'ws-key' }));
    c.ws.send(JSON.stringify({ action: 'subscribe', params: 'AM.SPY' }));
    await until(() => statuses(c.frames).length === 3);
    expect(statuses(c.frames)).toEqual(['connected', 'auth_success', 'success']);

    await fake.stream.replay({ ...JULY_3, speed: 600_000, maxPauseMs: 1 });
    await until(() => events(c.frames).length === july3.length);
    const got = events(c.frames);
    expect(got.map((e) => [e.s, e.o, e.h, e.l, e.c, e.v])).toEqual(july3.map((b) => [b.timestamp.getTime(), b.open, b.high, b.low, b.close, b.volume]));
    expect(got.every((e) => e.sym === 'SPY' && e.e === e.s + 60_000)).toBe(true);
    // Running day totals: av of the last event = the day's volume; op = the first bar's open.
    expect(got.at(-1)!.av).toBe(july3.reduce((a, b) => a + b.volume, 0));
    expect(got.at(-1)!.op).toBe(july3[0]!.open);
    c.ws.close();
  });

  it('refuses a wrong key with auth_failed and closes the connection', async () => {
    const c = await connect();
    c.ws.send(JSON.stringify({ action: 'auth', params: 'wrong' }));
    expect(await c.closed).toBe(1008);
    expect(statuses(c.frames)).toEqual(['connected', 'auth_failed']);
  });

  it('drops connections, refuses new ones for the outage, and sends raw frames from the script', async () => {
    const c = await connect();
    c.ws.send(JSON.stringify({ action: 'auth', params: 'ws-key' }));
    c.ws.send(JSON.stringify({ action: 'subscribe', params: 'AM.*' }));
    await until(() => statuses(c.frames).length === 3);
    const done = fake.stream.replay({ ...JULY_3, speed: 60_000, maxPauseMs: 2, script: { 2: { type: 'raw', frame: '{"ev":' }, 5: { type: 'disconnect', outageMinutes: 50 } } });
    await c.closed;
    expect(c.frames).toContain('{"ev":');
    // Minutes 0..4 arrived, then the connection dropped before minute 5.
    expect(events(c.frames).map((e) => e.s)).toEqual(july3.slice(0, 5).map((b) => b.timestamp.getTime()));
    await expect(connect()).rejects.toThrow(/503/);
    await until(() => fake.stream.minutesPlayed >= 56);
    const again = await connect();
    again.ws.close();
    fake.stream.stopReplay();
    await done;
    expect(fake.stream.log.some((l) => l.type === 'refused')).toBe(true);
  });
});
