import { describe, expect, it } from 'vitest';
import { fromChartTime, toChartTime } from './chart-time';

const seconds = (iso: string) => Date.parse(iso) / 1000;

describe('chart time (ET wall clock as UTC seconds)', () => {
  it('shifts by the New York offset of the instant, across DST', () => {
    // 09:30 ET is 13:30Z in summer (EDT) and 14:30Z in winter (EST).
    expect(toChartTime(Date.parse('2026-07-01T13:30:00Z'))).toBe(seconds('2026-07-01T09:30:00Z'));
    expect(toChartTime(Date.parse('2026-01-05T14:30:00Z'))).toBe(seconds('2026-01-05T09:30:00Z'));
    // Daily bars are stamped at New York midnight: they land on the session date.
    expect(toChartTime(Date.parse('2026-03-09T04:00:00Z'))).toBe(seconds('2026-03-09T00:00:00Z'));
  });

  it('converts back to the instant', () => {
    for (const iso of ['2026-07-01T13:30:00.000Z', '2026-01-05T14:30:00.000Z', '2026-03-08T14:00:00.000Z', '2026-11-02T15:59:00.000Z']) {
      expect(new Date(fromChartTime(toChartTime(Date.parse(iso)))).toISOString()).toBe(iso);
    }
  });
});
