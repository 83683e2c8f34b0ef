// Market-data procedures: served to the SPA over tRPC and to bots as REST (the `openapi` meta).
import { scopedProcedure, router } from '../trpc';
import {
  BarRangeQuerySchema,
  BarsQuerySchema,
  BarsResponseSchema,
  BulkInsertInputSchema,
  BulkInsertResponseSchema,
  CoverageQuerySchema,
  CoverageResponseSchema,
  DailySummaryQuerySchema,
  DailySummaryResponseSchema,
  LatestBarResponseSchema,
  SeriesKeySchema,
  TickersResponseSchema,
} from './schema';
import { z } from 'zod';

const read = scopedProcedure('market:read');
const tags = ['market-data'];

export const marketDataRouter = router({
  bars: read
    .meta({ openapi: { method: 'GET', path: '/market-data', tags, summary: 'Historical bars: the last `limit` bars up to `endDate`' } })
    .input(BarsQuerySchema)
    .output(BarsResponseSchema)
    .query(async ({ ctx, input }) => {
      const data = await ctx.services.marketData.getHistoricalBars(input.ticker, input.timeframe, input.limit, input.endDate);
      return { success: true as const, ticker: input.ticker, timeframe: input.timeframe, count: data.length, data };
    }),

  range: read
    .meta({ openapi: { method: 'GET', path: '/market-data/range', tags, summary: 'Bars with from <= timestamp < to' } })
    .input(BarRangeQuerySchema)
    .output(BarsResponseSchema)
    .query(async ({ ctx, input }) => {
      const data = await ctx.services.marketData.getBarsInRange(input.ticker, input.timeframe, input.from, input.to, input.limit);
      return { success: true as const, ticker: input.ticker, timeframe: input.timeframe, count: data.length, data };
    }),

  latest: read
    .meta({ openapi: { method: 'GET', path: '/market-data/latest', tags, summary: 'The newest bar of a series' } })
    .input(SeriesKeySchema)
    .output(LatestBarResponseSchema)
    .query(async ({ ctx, input }) => ({
      success: true as const,
      ticker: input.ticker,
      timeframe: input.timeframe,
      bar: await ctx.services.marketData.getLatest(input.ticker, input.timeframe),
    })),

  bulkInsert: scopedProcedure('market:write')
    .meta({ openapi: { method: 'POST', path: '/market-data/bulk', tags, summary: 'Insert or update bars, all or nothing' } })
    .input(BulkInsertInputSchema)
    .output(BulkInsertResponseSchema)
    .mutation(async ({ ctx, input }) => {
      const written = await ctx.services.marketData.upsertBars(input.bars);
      await ctx.services.jobs.matchOrdersOf(input.bars.map((bar) => bar.ticker)); // new bars may fill paper orders
      return { success: true as const, received: input.bars.length, ...written };
    }),

  coverage: read
    .meta({ openapi: { method: 'GET', path: '/market-data/coverage', tags, summary: 'Bar counts, earliest and latest per series' } })
    .input(CoverageQuerySchema)
    .output(CoverageResponseSchema)
    .query(async ({ ctx, input }) => ({ success: true as const, coverage: await ctx.services.marketData.getCoverage(input) })),

  dailySummary: read
    .meta({ openapi: { method: 'GET', path: '/market-data/daily-summary', tags, summary: 'Daily OHLCV aggregated from 1m bars' } })
    .input(DailySummaryQuerySchema)
    .output(DailySummaryResponseSchema)
    .query(async ({ ctx, input }) => ({
      success: true as const,
      ticker: input.ticker,
      days: await ctx.services.marketData.getDailySummary(input.ticker, input.from, input.to),
    })),

  tickers: read
    .meta({ openapi: { method: 'GET', path: '/market-data/tickers', tags, summary: 'Tickers with stored bars' } })
    .input(z.void())
    .output(TickersResponseSchema)
    .query(async ({ ctx }) => ({ success: true as const, tickers: await ctx.services.marketData.listTickers() })),
});
