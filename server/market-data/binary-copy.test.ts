// The streaming COPY decoder against the whole-buffer one, on real COPY output from PostgreSQL cut at
// arbitrary bytes: rows split across chunks must come out whole, once, in order.
import fc from 'fast-check';
import { to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { decodeBarColumnStream, decodeBarCopy, type BarColumns } from './binary-copy';
import { MarketDataRepository } from './repository';

let db: TestDatabase;
let copy: Buffer;
const BARS = 300;

beforeAll(async () => {
  db = await createTestDatabase();
  const t0 = Date.UTC(2025, 6, 1, 13, 30);
  await new MarketDataRepository(db.pool).upsertBars(
    Array.from({ length: BARS }, (_, i) => ({
      ticker: 'SPY',
      timeframe: '1m' as const,
      timestamp: new Date(t0 + i * 60_000),
      open: 100 + i / 100,
      high: 101 + i / 100,
      low: 99 + i / 100,
      close: 100.5 + i / 100,
      volume: i,
      // NULLs change a row's length: both cases must be cut and joined right.
      vwap: i % 3 === 0 ? null : 100.25 + i / 100,
      tradeCount: i % 4 === 0 ? null : i * 7,
    })),
  );
  const client = await db.pool.connect();
  const chunks: Buffer[] = [];
  for await (const chunk of client.query(
    copyTo(`COPY (SELECT "timestamp", open, high, low, close, volume, vwap, trade_count FROM market_data ORDER BY "timestamp") TO STDOUT (FORMAT binary)`),
  )) {
    chunks.push(chunk as Buffer);
  }
  client.release();
  copy = Buffer.concat(chunks);
});
afterAll(() => db.drop());

async function* pieces(buf: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let start = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    yield buf.subarray(start, cut);
    start = cut;
  }
  yield buf.subarray(start);
}

const rowsOf = (c: BarColumns) => Array.from({ length: c.length }, (_, i) => [c.timestamp[i], c.open[i], c.high[i], c.low[i], c.close[i], c.volume[i], c.vwap[i], c.tradeCount[i]]);

describe('decodeBarColumnStream', () => {
  it('decodes COPY output cut anywhere exactly as the whole buffer decodes', async () => {
    const whole = decodeBarCopy(copy).map((b) => [b.timestamp, b.open, b.high, b.low, b.close, b.volume, b.vwap ?? Number.NaN, b.tradeCount ?? Number.NaN]);
    expect(whole).toHaveLength(BARS);
    expect(decodeBarCopy(copy)[0]).toMatchObject({ vwap: null, tradeCount: null });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: copy.length - 1 }), { maxLength: 60 }), async (cuts) => {
        const streamed: unknown[] = [];
        for await (const batch of decodeBarColumnStream(pieces(copy, cuts))) {
          expect(batch.length).toBeGreaterThan(0);
          streamed.push(...rowsOf(batch));
        }
        expect(streamed).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses output that ends inside a row or before the trailer', async () => {
    const drain = async (buf: Buffer) => {
      for await (const _ of decodeBarColumnStream(pieces(buf, [7, 100]))) void _;
    };
    await expect(drain(copy.subarray(0, copy.length - 40))).rejects.toThrow(/ended early/);
    await expect(drain(copy.subarray(0, copy.length - 2))).rejects.toThrow(/ended early/); // no trailer
    expect(() => decodeBarCopy(copy.subarray(0, copy.length - 2))).toThrow(/incomplete/);
  });
});
