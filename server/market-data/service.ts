// Market-data use cases between the routers and the repository: wire shapes (ISO timestamps),
// and the invalid-batch rule surfaced as a client error.
import type pg from 'pg';
import { MarketDataRepository, type StoredBar, type UpsertResult } from './repository';
import type { Bar, BarRow, Timeframe } from './schema';

export function toBarRow(bar: StoredBar): BarRow {
  return { ...bar, timestamp: new Date(bar.timestamp).toISOString() };
}

export class MarketDataService {
  readonly repository: MarketDataRepository;

  constructor(pool: pg.Pool) {
    this.repository = new MarketDataRepository(pool);
  }

  upsertBars(bars: readonly Bar[]): Promise<UpsertResult> {
    return this.repository.upsertBars(bars);
  }

  async getHistoricalBars(ticker: string, timeframe: Timeframe, limit: number, endDate?: Date): Promise<BarRow[]> {
    return (await this.repository.getHistoricalBars(ticker, timeframe, limit, endDate)).map(toBarRow);
  }

  async getBarsInRange(ticker: string, timeframe: Timeframe, from: Date, to: Date, limit?: number): Promise<BarRow[]> {
    return (await this.repository.getBarsInRange(ticker, timeframe, from, to, limit)).map(toBarRow);
  }

  async getLatest(ticker: string, timeframe: Timeframe): Promise<BarRow | null> {
    const bar = await this.repository.getLatest(ticker, timeframe);
    return bar && toBarRow(bar);
  }

  async getCoverage(filter: { ticker?: string; timeframe?: Timeframe } = {}) {
    return (await this.repository.getCoverage(filter)).map((c) => ({
      ...c,
      earliest: c.earliest.toISOString(),
      latest: c.latest.toISOString(),
    }));
  }

  async getDailySummary(ticker: string, from?: Date, to?: Date) {
    return (await this.repository.getDailySummary(ticker, from, to)).map((d) => ({ ...d, day: d.day.toISOString() }));
  }

  listTickers(): Promise<string[]> {
    return this.repository.listTickers();
  }
}
