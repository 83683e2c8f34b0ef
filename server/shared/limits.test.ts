// The shared limits are the ones the procedures enforce: each listing the SPA pages through
// accepts exactly its ROW_LIMITS max through the real tRPC router and refuses one more, naming
// `limit`; the gap report and key-name limits likewise. And `withinLimit` refuses, at compile
// time and at run time, a request size above its limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCallers, type TestCallers } from '../testing/caller';
import { GAP_REPORT_MAX_DAYS, INGESTION_LIMITS, KEY_NAME_MAX_LENGTH, ROW_LIMITS, withinLimit, type RowLimit } from './limits';

let t: TestCallers;
const admin = () => t.as(['admin']);

beforeAll(async () => {
  t = await createTestCallers();
});
afterAll(() => t.db.drop());

const series = { ticker: 'SPY', timeframe: '1m' } as const;
const span = { from: new Date('2025-01-02T00:00:00Z'), to: new Date('2025-01-03T00:00:00Z') };

const listings: [string, RowLimit, (limit: number) => Promise<unknown>][] = [
  ['marketData.bars', ROW_LIMITS.bars, (limit) => admin().marketData.bars({ ...series, limit })],
  ['marketData.range', ROW_LIMITS.barRange, (limit) => admin().marketData.range({ ...series, ...span, limit })],
  ['features.list', ROW_LIMITS.features, (limit) => admin().features.list({ ...series, from: span.from, limit })],
  ['predictions.list', ROW_LIMITS.keysetPage, (limit) => admin().predictions.list({ limit })],
  ['trading.history', ROW_LIMITS.keysetPage, (limit) => admin().trading.history({ limit })],
  ['predictions.latest', ROW_LIMITS.latestPredictions, (limit) => admin().predictions.latest({ ...series, limit })],
  ['ingestion.runs', ROW_LIMITS.ingestionRuns, (limit) => admin().ingestion.runs({ limit })],
  ['ingestion.logs', ROW_LIMITS.ingestionLogs, (limit) => admin().ingestion.logs({ limit })],
];

/** A 400 whose zod issue names `field`. */
const invalidField = (field: string) =>
  expect.objectContaining({ code: 'BAD_REQUEST', cause: expect.objectContaining({ issues: [expect.objectContaining({ path: [field] })] }) });

describe('ROW_LIMITS are what the procedures enforce', () => {
  it.each(listings)('%s accepts limit = max and refuses max + 1', async (_name, limit, call) => {
    await expect(call(limit.max)).resolves.toMatchObject({ success: true });
    await expect(call(limit.max + 1)).rejects.toEqual(invalidField('limit'));
  });
});

describe('other shared limits', () => {
  const days = (n: number) => new Date(Date.UTC(2024, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);

  it('a gap report spans at most GAP_REPORT_MAX_DAYS (intraday and daily)', async () => {
    for (const [timeframe, max] of [['1m', GAP_REPORT_MAX_DAYS.intraday], ['1d', GAP_REPORT_MAX_DAYS.daily]] as const) {
      await expect(admin().ingestion.validate({ ticker: 'SPY', timeframe, from: days(0), to: days(max) })).resolves.toMatchObject({ success: true });
      await expect(admin().ingestion.validate({ ticker: 'SPY', timeframe, from: days(0), to: days(max + 1) })).rejects.toEqual(invalidField('to'));
    }
  });

  it('a key name has at most KEY_NAME_MAX_LENGTH characters', async () => {
    await expect(admin().auth.keys.create({ name: 'k'.repeat(KEY_NAME_MAX_LENGTH), scopes: ['market:read'] })).resolves.toMatchObject({ key: expect.any(String) });
    await expect(admin().auth.keys.create({ name: 'k'.repeat(KEY_NAME_MAX_LENGTH + 1), scopes: ['market:read'] })).rejects.toEqual(invalidField('name'));
  });

  it('a backfill names at most INGESTION_LIMITS.tickers tickers and reaches back at most INGESTION_LIMITS.years', async () => {
    const tickers = (n: number) => Array.from({ length: n }, (_, i) => `T${i}`);
    await expect(admin().ingestion.startBackfill({ tickers: tickers(INGESTION_LIMITS.tickers + 1) })).rejects.toEqual(invalidField('tickers'));
    await expect(admin().ingestion.startBackfill({ tickers: ['SPY'], years: INGESTION_LIMITS.years + 0.5 })).rejects.toEqual(invalidField('years'));
  });
});

describe('withinLimit', () => {
  it('passes a literal at or below the limit through unchanged', () => {
    const size: 500 = withinLimit(500, ROW_LIMITS.keysetPage.max);
    expect(size).toBe(500);
    expect(withinLimit(50_000, ROW_LIMITS.features.max)).toBe(50_000);
    expect(withinLimit(9, 10)).toBe(9);
  });

  it('refuses a literal above the limit at compile time, and at run time', () => {
    // The SPA's original bug: 100,000 feature rows against a limit of 50,000.
    // @ts-expect-error 100_000 is above ROW_LIMITS.features.max
    expect(() => withinLimit(100_000, ROW_LIMITS.features.max)).toThrow(RangeError);
    // @ts-expect-error one more than the limit, same number of digits
    expect(() => withinLimit(1001, ROW_LIMITS.keysetPage.max)).toThrow(RangeError);
    // @ts-expect-error a larger digit, same length
    expect(() => withinLimit(60_000, 50_000)).toThrow(RangeError);
    const computed: number = 20;
    // @ts-expect-error a value the compiler cannot check is refused too
    expect(withinLimit(computed, ROW_LIMITS.keysetPage.max)).toBe(20);
  });
});
