import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTimestamp } from './service';

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
