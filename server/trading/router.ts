// Paper-trading procedures: served to the SPA over tRPC and to trading bots as REST.
import { z } from 'zod';
import { router, scopedProcedure } from '../trpc';
import {
  ExecuteInputSchema,
  ExecuteResponseSchema,
  HistoryQuerySchema,
  HistoryResponseSchema,
  PortfolioResponseSchema,
  SignalsQuerySchema,
  SignalsResponseSchema,
} from './schema';

const read = scopedProcedure('trading:read');
const tags = ['trading'];

export const tradingRouter = router({
  signals: read
    .meta({ openapi: { method: 'GET', path: '/trading/signals', tags, summary: "BUY/SELL/HOLD per series from its active model's open prediction" } })
    .input(SignalsQuerySchema)
    .output(SignalsResponseSchema)
    .query(async ({ ctx, input }) => {
      const signals = await ctx.services.trading.signals(input);
      return { success: true as const, count: signals.length, signals, timestamp: new Date().toISOString() };
    }),

  execute: scopedProcedure('trading:execute')
    .meta({ openapi: { method: 'POST', path: '/trading/execute', tags, summary: 'Place a paper order (idempotent by clientOrderId)' } })
    .input(ExecuteInputSchema)
    .output(ExecuteResponseSchema)
    .mutation(async ({ ctx, input }) => ({ success: true as const, ...(await ctx.services.trading.execute(input)) })),

  portfolio: read
    .meta({ openapi: { method: 'GET', path: '/trading/portfolio', tags, summary: 'Positions valued at the newest bar, with P&L and totals' } })
    .input(z.void())
    .output(PortfolioResponseSchema)
    .query(async ({ ctx }) => ({ success: true as const, ...(await ctx.services.trading.portfolio()), timestamp: new Date().toISOString() })),

  history: read
    .meta({ openapi: { method: 'GET', path: '/trading/history', tags, summary: 'Trades, newest first, filtered and paginated' } })
    .input(HistoryQuerySchema)
    .output(HistoryResponseSchema)
    .query(async ({ ctx, input }) => {
      const { items, nextCursor } = await ctx.services.trading.history(input);
      return { success: true as const, count: items.length, trades: items, nextCursor };
    }),
});
