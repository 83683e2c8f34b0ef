import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredBar } from './repository';
import { barRowsJson, isoTimestamp, toBarRow } from './service';

describe('isoTimestamp', () => {
  it('equals Date#toISOString for any millisecond instant, in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -62_000_000_000_000, max: 300_000_000_000_000 }), { minLength: 1, maxLength: 50 }), (instants) => {
        for (const ms of instants) expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 300 },
    );
  });
});

describe('barRowsJson', () => {
  const price = fc.oneof(fc.double({ min: 1e-300, max: 1e300, noNaN: true }), fc.constant(5e-324), fc.constant(-1.2345678901234568e-300));
  const storedBar: fc.Arbitrary<StoredBar> = fc.record({
    timestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    open: price,
    high: price,
    low: price,
    close: price,
    volume: fc.oneof(fc.constant(0), fc.constant(-0), fc.double({ min: 0, max: 1e15, noNaN: true })),
    vwap: fc.option(price),
    tradeCount: fc.option(fc.integer({ min: 0, max: 2 ** 31 - 1 })),
  });

  it('is byte for byte what JSON.stringify gives for the same rows, whatever the chunk size', () => {
    fc.assert(
      fc.property(fc.array(storedBar, { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), (bars, rowsPerChunk) => {
        const column = (f: (b: StoredBar) => number | null) => Float64Array.from(bars, (b) => f(b) ?? Number.NaN);
        const columns = {
          length: bars.length,
          timestamp: column((b) => b.timestamp),
          open: column((b) => b.open),
          high: column((b) => b.high),
          low: column((b) => b.low),
          close: column((b) => b.close),
          volume: column((b) => b.volume),
          vwap: column((b) => b.vwap),
          tradeCount: column((b) => b.tradeCount),
        };
        const chunks = [...barRowsJson(columns, rowsPerChunk)];
        expect(chunks).toHaveLength(Math.ceil(bars.length / rowsPerChunk));
        expect(`[${Buffer.concat(chunks).toString('latin1')}]`).toBe(JSON.stringify(bars.map(toBarRow)));
      }),
      { numRuns: 300 },
    );
  });
});
