// Paper-trading procedures: served to the SPA over tRPC and to trading bots as REST.
import { z } from 'zod';
import { router, scopedProcedure } from '../trpc';
import {
  AccountResponseSchema,
  ClosePositionInputSchema,
  EquityHistoryQuerySchema,
  EquityHistoryResponseSchema,
  ExecuteInputSchema,
  ExecuteResponseSchema,
  HistoryQuerySchema,
  HistoryResponseSchema,
  OrderIdSchema,
  OrderResponseSchema,
  OrdersQuerySchema,
  OrdersResponseSchema,
  PortfolioResponseSchema,
  ReplaceOrderInputSchema,
  ReplaceResponseSchema,
  SignalsQuerySchema,
  SignalsResponseSchema,
} from './schema';

const read = scopedProcedure('trading:read');
const execute = scopedProcedure('trading:execute');
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

  execute: execute
    .meta({ openapi: { method: 'POST', path: '/trading/execute', tags, summary: 'Place a paper order (idempotent by clientOrderId)' } })
    .input(ExecuteInputSchema)
    .output(ExecuteResponseSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await ctx.services.trading.execute(input);
      if (!result.created) ctx.setResponseHeader?.('Idempotent-Replayed', 'true');
      return { success: true as const, ...result };
    }),

  orders: read
    .meta({ openapi: { method: 'GET', path: '/trading/orders', tags, summary: 'Orders: open (NEW), closed or all, newest first' } })
    .input(OrdersQuerySchema)
    .output(OrdersResponseSchema)
    .query(async ({ ctx, input }) => {
      const orders = await ctx.services.trading.orders(input);
      return { success: true as const, count: orders.length, orders };
    }),

  cancelOrder: execute
    .meta({ openapi: { method: 'DELETE', path: '/trading/orders/{id}', tags, summary: 'Cancel an open order (422 once filled, canceled, expired or rejected)' } })
    .input(OrderIdSchema)
    .output(OrderResponseSchema)
    .mutation(async ({ ctx, input }) => ({ success: true as const, order: await ctx.services.trading.cancel(input.id) })),

  replaceOrder: execute
    .meta({ openapi: { method: 'PATCH', path: '/trading/orders/{id}', tags, summary: 'Replace an open order: it is canceled and a new one placed with the changes' } })
    .input(ReplaceOrderInputSchema)
    .output(ReplaceResponseSchema)
    .mutation(async ({ ctx, input }) => ({ success: true as const, ...(await ctx.services.trading.replace(input)) })),

  cancelAllOrders: execute
    .meta({ openapi: { method: 'DELETE', path: '/trading/orders', tags, summary: 'Cancel every open order' } })
    .input(z.void())
    .output(OrdersResponseSchema)
    .mutation(async ({ ctx }) => {
      const orders = await ctx.services.trading.cancelAll();
      return { success: true as const, count: orders.length, orders };
    }),

  closePosition: execute
    .meta({ openapi: { method: 'DELETE', path: '/trading/positions/{ticker}', tags, summary: 'Close a position with a MARKET order for all of it' } })
    .input(ClosePositionInputSchema)
    .output(ExecuteResponseSchema)
    .mutation(async ({ ctx, input }) => ({ success: true as const, ...(await ctx.services.trading.closePosition(input.ticker)) })),

  account: read
    .meta({ openapi: { method: 'GET', path: '/trading/account', tags, summary: 'Cash, buying power, equity, day and total P&L' } })
    .input(z.void())
    .output(AccountResponseSchema)
    .query(async ({ ctx }) => ({ success: true as const, account: await ctx.services.trading.account(), timestamp: new Date().toISOString() })),

  equityHistory: read
    .meta({ openapi: { method: 'GET', path: '/trading/account/history', tags, summary: 'Equity after every fill and matching run, oldest first' } })
    .input(EquityHistoryQuerySchema)
    .output(EquityHistoryResponseSchema)
    .query(async ({ ctx, input }) => {
      const points = await ctx.services.trading.equityHistory(input.limit);
      return { success: true as const, count: points.length, points };
    }),

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
