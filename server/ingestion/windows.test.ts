import { describe, expect, it } from 'vitest';
import { planWindows, yearsBefore } from './windows';

const spans = (ws: ReturnType<typeof planWindows>) => ws.map((w) => `${w.firstDate}..${w.lastDate}`);

describe('planWindows', () => {
  it('cuts minute bars into calendar months, clipped to the range, ascending', () => {
    expect(spans(planWindows('SPY', '1m', '2024-11-15', '2025-02-03'))).toEqual([
      '2024-11-15..2024-11-30',
      '2024-12-01..2024-12-31',
      '2025-01-01..2025-01-31',
      '2025-02-01..2025-02-03',
    ]);
  });

  it('uses two-month windows for coarser intraday bars and years for daily bars, on fixed boundaries', () => {
    expect(spans(planWindows('SPY', '1h', '2024-02-10', '2024-07-01'))).toEqual(['2024-02-10..2024-02-29', '2024-03-01..2024-04-30', '2024-05-01..2024-06-30', '2024-07-01..2024-07-01']);
    expect(spans(planWindows('SPY', '1d', '2023-01-03', '2026-02-09'))).toEqual(['2023-01-03..2023-12-31', '2024-01-01..2024-12-31', '2025-01-01..2025-12-31', '2026-01-01..2026-02-09']);
  });

  it('spans [midnight New York of the first date, midnight after the last date)', () => {
    const [w] = planWindows('SPY', '1m', '2025-03-01', '2025-03-31');
    expect(w!.start.toISOString()).toBe('2025-03-01T05:00:00.000Z'); // EST
    expect(w!.end.toISOString()).toBe('2025-04-01T04:00:00.000Z'); // EDT after the March switch
  });

  it('plans nothing for an empty range and one window for a single day', () => {
    expect(planWindows('SPY', '1m', '2025-07-08', '2025-07-07')).toEqual([]);
    expect(spans(planWindows('SPY', '5m', '2025-07-07', '2025-07-07'))).toEqual(['2025-07-07..2025-07-07']);
  });

  it('counts years back by calendar date', () => {
    expect(yearsBefore('2026-02-09', 2)).toBe('2024-02-09');
    expect(yearsBefore('2024-02-29', 1)).toBe('2023-03-01');
  });
});
