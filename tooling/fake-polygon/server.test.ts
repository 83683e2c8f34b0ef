import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetStocksAggregatesSortEnum, GetStocksAggregatesTimespanEnum, restClient } from '@polygon.io/client-js';
import type { Timeframe } from '../../server/market-data/schema';
import { barStartOf, formatNy, getSession, nyWallTimeToUtc, sessionDateOf } from '../../server/ingestion/calendar';
import { DEFAULT_REFERENCE_DIR, loadSpyDailyBars, loadSpyMinuteBars, type Bar } from '../reference/reference-csv';
import { startFakePolygon, type FakePolygon, type PolygonAgg } from './server';

const KEY = 'test-key';
const minute = loadSpyMinuteBars();
const stooq = loadSpyDailyBars();
const goFixture = JSON.parse(readFileSync(path.join(DEFAULT_REFERENCE_DIR, 'polygon', 'aggs_range_client_go_fixture.json'), 'utf8')) as Record<string, unknown>;
const docsSample = JSON.parse(readFileSync(path.join(DEFAULT_REFERENCE_DIR, 'polygon', 'aggs_range_docs_sample.json'), 'utf8')) as Record<string, unknown>;

interface AggsBody {
  ticker: string;
  queryCount: number;
  resultsCount: number;
  adjusted: boolean;
  results?: PolygonAgg[];
  status: string;
  request_id: string;
  count: number;
  next_url?: string;
}

let fake: FakePolygon;
beforeAll(async () => {
  fake = await startFakePolygon({ minuteBars: { SPY: minute }, apiKey: KEY });
});
afterAll(async () => {
  await fake.close();
});

async function get(pathAndQuery: string, init?: RequestInit): Promise<{ status: number; body: AggsBody; headers: Headers }> {
  const res = await fetch(pathAndQuery.startsWith('http') ? pathAndQuery : `${fake.url}${pathAndQuery}`, init);
  return { status: res.status, body: (await res.json()) as AggsBody, headers: res.headers };
}

const aggs = (span: string, from: string, to: string, query = '') =>
  get(`/v2/aggs/ticker/SPY/range/${span}/${from}/${to}?apiKey=${KEY}${query}`);

/** Follows next_url (adding the key, as Polygon requires) and returns all pages. */
async function allPages(first: string): Promise<AggsBody[]> {
  const pages: AggsBody[] = [];
  let url: string | undefined = first;
  while (url) {
    const { status, body } = await get(url);
    expect(status).toBe(200);
    pages.push(body);
    url = body.next_url ? `${body.next_url}&apiKey=${KEY}` : undefined;
    expect(pages.length).toBeLessThan(1000);
  }
  return pages;
}

/** Independent aggregation of the minute file, for comparison with the server. */
function direct(timeframe: Timeframe): PolygonAgg[] {
  const groups = new Map<number, Bar[]>();
  for (const b of minute) {
    const k = barStartOf(b.timestamp, timeframe).getTime();
    groups.set(k, [...(groups.get(k) ?? []), b]);
  }
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, bars]) => {
      let px = bars;
      if (timeframe === '1d') {
        const s = getSession(sessionDateOf(t))!;
        px = bars.filter((b) => b.timestamp >= s.open && b.timestamp < s.close);
      }
      const v = bars.reduce((a, b) => a + b.volume, 0);
      const pv = bars.reduce((a, b) => a + b.volume * ((b.high + b.low + b.close) / 3), 0);
      return {
        v,
        vw: Math.round((pv / v) * 10_000) / 10_000,
        o: px[0]!.open,
        c: px.at(-1)!.close,
        h: Math.max(...px.map((b) => b.high)),
        l: Math.min(...px.map((b) => b.low)),
        t,
        n: bars.length,
      };
    });
}

function expectSameAggs(actual: PolygonAgg[], expected: PolygonAgg[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    expect({ t: a.t, o: a.o, h: a.h, l: a.l, c: a.c, n: a.n }).toEqual({ t: e.t, o: e.o, h: e.h, l: e.l, c: e.c, n: e.n });
    expect(a.v).toBeCloseTo(e.v, 6);
    expect(a.vw).toBeCloseTo(e.vw, 4);
  });
}

describe('response format', () => {
  it('uses the key set and key order of the real Polygon bodies', async () => {
    const { status, body, headers } = await aggs('1/day', '2025-07-01', '2025-07-07', '&limit=50000');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json');
    expect(Object.keys(body)).toEqual(Object.keys(goFixture));
    const row = (goFixture.results as Record<string, unknown>[])[0]!;
    expect(Object.keys(body.results![0]!)).toEqual(Object.keys(row));
    for (const k of Object.keys(row)) expect(typeof (body.results![0] as unknown as Record<string, unknown>)[k]).toBe(typeof row[k]);
    expect(body.request_id).toMatch(/^[0-9a-f]{32}$/);
    expect(body).toMatchObject({ ticker: 'SPY', adjusted: true, status: 'OK', resultsCount: 4, count: 4, queryCount: 4 });
  });

  it('adds next_url exactly when the docs sample has one, with the same key set', async () => {
    const { body } = await aggs('1/minute', '2025-07-01', '2025-07-07', '&limit=10');
    expect(new Set(Object.keys(body))).toEqual(new Set([...Object.keys(docsSample), 'count']));
    expect(body.next_url).toMatch(new RegExp(`^${fake.url}/v2/aggs/ticker/SPY/range/1/minute/\\d+/2025-07-07\\?cursor=[A-Za-z0-9_-]+$`));
  });

  it('stamps daily bars at midnight New York time like the fixtures', async () => {
    const { body } = await aggs('1/day', '2025-07-01', '2025-07-07');
    expect(body.results!.map((r) => new Date(r.t).toISOString())).toEqual([
      '2025-07-01T04:00:00.000Z',
      '2025-07-02T04:00:00.000Z',
      '2025-07-03T04:00:00.000Z',
      '2025-07-07T04:00:00.000Z',
    ]);
  });

  it('omits results for an empty range and echoes adjusted=false', async () => {
    const { status, body } = await get(`/v2/aggs/ticker/NOPE/range/1/day/2025-07-01/2025-07-07?adjusted=false&apiKey=${KEY}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ ticker: 'NOPE', queryCount: 0, resultsCount: 0, adjusted: false, count: 0, status: 'OK' });
    expect('results' in body).toBe(false);
  });

  it('accepts Unix ms bounds and snaps them to the bucket grid', async () => {
    const from = nyWallTimeToUtc('2025-07-02', '09:47').getTime();
    const to = nyWallTimeToUtc('2025-07-02', '11:05').getTime();
    const { body } = await aggs('1/hour', String(from), String(to));
    expect(body.results!.map((r) => formatNy(r.t))).toEqual(['2025-07-02 09:00', '2025-07-02 10:00', '2025-07-02 11:00']);
    expect(body.queryCount).toBe(180);
  });

  it('rejects a missing or unknown key with Polygon-style 401 bodies, accepts a Bearer header', async () => {
    const none = await get('/v2/aggs/ticker/SPY/range/1/day/2025-07-01/2025-07-07');
    expect(none.status).toBe(401);
    expect(Object.keys(none.body)).toEqual(['status', 'request_id', 'error']);
    expect(none.body).toMatchObject({ status: 'ERROR', error: 'API Key was not provided' });
    const wrong = await get('/v2/aggs/ticker/SPY/range/1/day/2025-07-01/2025-07-07?apiKey=nope');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ status: 'ERROR', error: 'Unknown API Key' });
    const bearer = await get('/v2/aggs/ticker/SPY/range/1/day/2025-07-01/2025-07-07', { headers: { authorization: `Bearer ${KEY}` } });
    expect(bearer.status).toBe(200);
  });

  it('answers bad parameters with 400', async () => {
    expect((await aggs('1/fortnight', '2025-07-01', '2025-07-07')).status).toBe(400);
    expect((await aggs('0/minute', '2025-07-01', '2025-07-07')).status).toBe(400);
    expect((await aggs('1/minute', 'yesterday', '2025-07-07')).status).toBe(400);
    expect((await aggs('1/minute', '2025-07-01', '2025-07-07', '&sort=up')).status).toBe(400);
    expect((await get(`/v3/whatever?apiKey=${KEY}`)).status).toBe(404);
  });
});

describe('aggregation', () => {
  it('returns the minute bars unchanged for 1/minute', async () => {
    const { body } = await aggs('1/minute', '2025-07-01', '2025-07-07', '&limit=50000');
    expect(body.resultsCount).toBe(3659);
    expectSameAggs(body.results!, direct('1m'));
  });

  it('builds 5-minute bars like a direct computation', async () => {
    const { body } = await aggs('5/minute', '2025-07-01', '2025-07-07', '&limit=50000');
    expectSameAggs(body.results!, direct('5m'));
  });

  it('builds clock-hour bars (the 09:00 bar mixes pre-market and the open) like a direct computation', async () => {
    const { body } = await aggs('1/hour', '2025-07-01', '2025-07-07', '&limit=50000');
    expectSameAggs(body.results!, direct('1h'));
    const jul3 = body.results!.filter((r) => formatNy(r.t).startsWith('2025-07-03')).map((r) => formatNy(r.t).slice(11));
    expect(jul3[0]).toBe('04:00');
    expect(jul3.at(-1)).toBe('17:00'); // the 17:00 closing-print bar of the early-close day
  });

  it('builds 4-hour bars on the 00/04/08/12/16/20 ET grid', async () => {
    const { body } = await aggs('4/hour', '2025-07-07', '2025-07-07', '&limit=50000');
    expect(body.results!.map((r) => formatNy(r.t).slice(11))).toEqual(['04:00', '08:00', '12:00', '16:00', '20:00']);
    expectSameAggs(body.results!, direct('4h').filter((r) => sessionDateOf(r.t) === '2025-07-07'));
  });

  it('builds daily bars: regular-session OHLC (matching Stooq exactly), all-day volume', async () => {
    const { body } = await aggs('1/day', '2025-07-01', '2025-07-07', '&limit=50000');
    expectSameAggs(body.results!, direct('1d'));
    for (const r of body.results!) {
      const s = stooq.find((b) => b.timestamp.getTime() === r.t)!;
      expect({ o: r.o, h: r.h, l: r.l }).toEqual({ o: s.open, h: s.high, l: s.low });
    }
  });

  it('serves given daily bars for day/week/month spans', async () => {
    const daily = await startFakePolygon({ minuteBars: {}, dailyBars: { SPY: stooq } });
    try {
      const res = await fetch(`${daily.url}/v2/aggs/ticker/SPY/range/1/day/2023-01-01/2026-12-31?limit=50000&apiKey=x`);
      const body = (await res.json()) as AggsBody;
      expect(body.resultsCount).toBe(778);
      expect(body.results!.some((r) => sessionDateOf(r.t) === '2025-01-09')).toBe(false);
      const weeks = (await (await fetch(`${daily.url}/v2/aggs/ticker/SPY/range/1/week/2025-06-29/2025-07-12?apiKey=x`)).json()) as AggsBody;
      expect(weeks.results!.map((r) => formatNy(r.t))).toEqual(['2025-06-29 00:00', '2025-07-06 00:00']); // Sundays
      const jul = stooq.filter((b) => sessionDateOf(b.timestamp) >= '2025-06-29' && sessionDateOf(b.timestamp) <= '2025-07-05');
      expect(weeks.results![0]).toMatchObject({ o: jul[0]!.open, c: jul.at(-1)!.close, h: Math.max(...jul.map((b) => b.high)) });
      const months = (await (await fetch(`${daily.url}/v2/aggs/ticker/SPY/range/1/month/2025-01-01/2025-12-31?apiKey=x`)).json()) as AggsBody;
      expect(months.resultsCount).toBe(12);
      expect(formatNy(months.results![0]!.t)).toBe('2025-01-01 00:00');
    } finally {
      await daily.close();
    }
  });
});

describe('limit and paging', () => {
  it('counts base minutes in limit and drops the trailing partial bucket (Polygon blog example)', async () => {
    const from = nyWallTimeToUtc('2025-07-01', '14:00').getTime();
    const to = nyWallTimeToUtc('2025-07-01', '15:59').getTime();
    const { body } = await aggs('1/hour', String(from), String(to), '&limit=100');
    expect(body.results!.map((r) => formatNy(r.t).slice(11))).toEqual(['14:00']);
    expect(body.queryCount).toBe(60);
    expect(body.next_url).toContain(`/range/1/hour/${from + 3_600_000}/${to}?cursor=`);
  });

  it('returns every minute bar exactly once across next_url pages', async () => {
    const pages = await allPages(`${fake.url}/v2/aggs/ticker/SPY/range/1/minute/2025-07-01/2025-07-07?limit=1000&apiKey=${KEY}`);
    expect(pages).toHaveLength(4);
    expect(pages.map((p) => p.queryCount)).toEqual([1000, 1000, 1000, 659]);
    expect(pages.at(-1)!.next_url).toBeUndefined();
    const ts = pages.flatMap((p) => p.results!.map((r) => r.t));
    expect(ts).toHaveLength(3659);
    expect(new Set(ts).size).toBe(3659);
    expect(ts).toEqual(minute.map((b) => b.timestamp.getTime()));
  });

  it('pages aggregated spans without splitting a bucket (asc and desc)', async () => {
    const whole = (await aggs('1/hour', '2025-07-01', '2025-07-07', '&limit=50000')).body.results!;
    const asc = await allPages(`${fake.url}/v2/aggs/ticker/SPY/range/1/hour/2025-07-01/2025-07-07?limit=250&apiKey=${KEY}`);
    expect(asc.length).toBeGreaterThan(14);
    expect(asc.every((p) => p.queryCount <= 250)).toBe(true);
    expect(asc.flatMap((p) => p.results ?? [])).toEqual(whole);
    const desc = await allPages(`${fake.url}/v2/aggs/ticker/SPY/range/1/hour/2025-07-01/2025-07-07?limit=250&sort=desc&apiKey=${KEY}`);
    expect(desc.flatMap((p) => p.results ?? [])).toEqual([...whole].reverse());
  });

  it('serves a bucket larger than the limit whole, so paging always progresses', async () => {
    // 4h buckets hold up to 240 base minutes; with limit=100 each page carries one whole bucket.
    const whole = (await aggs('4/hour', '2025-07-01', '2025-07-07', '&limit=50000')).body.results!;
    const pages = await allPages(`${fake.url}/v2/aggs/ticker/SPY/range/4/hour/2025-07-01/2025-07-07?limit=100&apiKey=${KEY}`);
    expect(pages).toHaveLength(whole.length);
    expect(pages.every((p) => p.resultsCount === 1)).toBe(true);
    expect(pages.flatMap((p) => p.results ?? [])).toEqual(whole);
  });
});

describe('fault injection', () => {
  it('applies the planned faults to the n-th requests, then serves normally', async () => {
    fake.setFaults({
      byRequest: {
        1: { type: 'status', status: 429, retryAfterSeconds: 7 },
        2: { type: 'status', status: 503 },
        3: { type: 'reset' },
        4: { type: 'delay', delayMs: 300 },
        5: { type: 'truncate' },
        6: { type: 'status', status: 500, delayMs: 100 },
      },
    });
    const url = `${fake.url}/v2/aggs/ticker/SPY/range/1/day/2025-07-01/2025-07-07?apiKey=${KEY}`;
    const first = fake.requests.length;

    const r1 = await fetch(url);
    expect(r1.status).toBe(429);
    expect(r1.headers.get('retry-after')).toBe('7');
    expect(await r1.json()).toMatchObject({ status: 'ERROR', error: expect.stringContaining('exceeded the maximum requests') });

    const r2 = await fetch(url);
    expect(r2.status).toBe(503);
    expect(await r2.text()).toContain('503 Service Temporarily Unavailable');

    await expect(fetch(url)).rejects.toThrow();

    const t0 = Date.now();
    const r4 = await fetch(url);
    expect(r4.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);

    const r5 = await fetch(url);
    await expect(r5.json()).rejects.toThrow();

    const t1 = Date.now();
    const r6 = await fetch(url);
    expect(r6.status).toBe(500);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(90);

    const r7 = await fetch(url);
    expect(r7.status).toBe(200);
    expect(((await r7.json()) as AggsBody).resultsCount).toBe(4);

    const log = fake.requests.slice(first);
    expect(log.map((l) => [l.fault ?? null, l.status])).toEqual([
      ['status', 429],
      ['status', 503],
      ['reset', 'reset'],
      ['delay', 200],
      ['truncate', 'truncated'],
      ['status', 500],
      [null, 200],
    ]);
    expect(log[0]!.url).toContain('apiKey=***');
    fake.setFaults(undefined);
  });

  it('draws random faults reproducibly from a seed', async () => {
    const run = async (): Promise<Array<number | string>> => {
      const s = await startFakePolygon({
        minuteBars: { SPY: minute.slice(0, 100) },
        faults: { random: { seed: 42, probability: 0.5, actions: [{ type: 'status', status: 502 }, { type: 'status', status: 429 }] } },
      });
      try {
        const out: Array<number | string> = [];
        for (let i = 0; i < 20; i++) {
          out.push((await fetch(`${s.url}/v2/aggs/ticker/SPY/range/1/minute/2025-07-01/2025-07-01?apiKey=k`)).status);
        }
        return out;
      } finally {
        await s.close();
      }
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a.filter((s) => s !== 200).length).toBeGreaterThan(3);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(3);
  });
});

describe('@polygon.io/client-js against the fake server', () => {
  it('getStocksAggregates(ticker, multiplier, timespan, from, to, adjusted, sort, limit) returns the bars', async () => {
    const rest = restClient(KEY, fake.url);
    const res = await rest.getStocksAggregates(
      'SPY',
      5,
      GetStocksAggregatesTimespanEnum.Minute,
      '2025-07-01',
      '2025-07-07',
      true,
      GetStocksAggregatesSortEnum.Asc,
      50000,
    );
    expect(res.status).toBe('OK');
    expect(res.ticker).toBe('SPY');
    expect(res.resultsCount).toBe(direct('5m').length);
    expect(res.results![0]).toMatchObject({ t: minute[0]!.timestamp.getTime(), o: minute[0]!.open });
    expect(fake.requests.at(-1)!.url).toMatch(/^\/v2\/aggs\/ticker\/SPY\/range\/5\/minute\/2025-07-01\/2025-07-07\?/);
  });

  it('client pagination follows next_url (later pages first, so sort afterwards)', async () => {
    const rest = restClient(KEY, fake.url, { pagination: true });
    const res = await rest.getStocksAggregates('SPY', 1, GetStocksAggregatesTimespanEnum.Minute, '2025-07-01', '2025-07-07', true, GetStocksAggregatesSortEnum.Asc, 1000);
    const ts = res.results!.map((r) => r.t);
    expect(ts).toHaveLength(3659);
    expect(ts[0]).not.toBe(minute[0]!.timestamp.getTime());
    expect([...ts].sort((x, y) => x - y)).toEqual(minute.map((b) => b.timestamp.getTime()));
  });

  it('surfaces HTTP errors (429) as rejected promises carrying the status', async () => {
    fake.setFaults({ byRequest: { 1: { type: 'status', status: 429, retryAfterSeconds: 3 } } });
    const rest = restClient(KEY, fake.url);
    const err = await rest
      .getStocksAggregates('SPY', 1, GetStocksAggregatesTimespanEnum.Day, '2025-07-01', '2025-07-07')
      .then(() => null, (e: unknown) => e as { response?: { status?: number; headers?: Record<string, string> } });
    expect(err?.response?.status).toBe(429);
    expect(err?.response?.headers?.['retry-after']).toBe('3');
    fake.setFaults(undefined);
    const ok = await rest.getStocksAggregates('SPY', 1, GetStocksAggregatesTimespanEnum.Day, '2025-07-01', '2025-07-07');
    expect(ok.resultsCount).toBe(4);
  });
});
