// Demo paper trading: a few SPY orders over the last demo sessions, placed and filled by the broker
// itself at the prices of their time, so a new user sees fills, P&L, an equity curve and a resting
// order in the Trading view.
import type pg from 'pg';
import { loadConfig } from '../config';
import { ReadCache } from '../db/read-cache';
import type { Session } from '../ingestion/calendar';
import { createRepositories } from '../services';
import { ExecuteInputSchema } from '../trading/schema';
import { TradingService, brokerSettingsFromConfig } from '../trading/service';

const HOUR = 3_600_000;

/** BUY/SELL quantities of one market order per session, oldest first. */
const ROUND_TRIP = [20, 10, -15, 5, -10];

/** Places the demo orders in the last sessions of `sessions`; returns how many. */
export async function seedPaperOrders(db: Parameters<typeof createRepositories>[0] & { pool: pg.Pool }, sessions: readonly Session[]): Promise<number> {
  const repositories = createRepositories(db);
  const broker = new TradingService(repositories.trading, repositories.predictions, repositories.events, new ReadCache(db.pool), brokerSettingsFromConfig(loadConfig({})));
  const days = sessions.slice(-ROUND_TRIP.length);
  let lastPrice = '0';
  for (const [i, quantity] of ROUND_TRIP.entries()) {
    const order = ExecuteInputSchema.parse({ ticker: 'SPY', side: quantity > 0 ? 'BUY' : 'SELL', quantity: Math.abs(quantity), strategy: 'Demo' });
    lastPrice = (await broker.execute(order, new Date(days[i]!.open.getTime() + HOUR))).order.price!;
  }
  // A limit 5 % under the last fill, good until canceled: it rests in the blotter.
  const limitPrice = (Number(lastPrice) * 0.95).toFixed(2);
  await broker.execute(ExecuteInputSchema.parse({ ticker: 'SPY', side: 'BUY', type: 'LIMIT', limitPrice, timeInForce: 'GTC', quantity: 10, strategy: 'Demo' }), days.at(-1)!.close);
  return ROUND_TRIP.length + 1;
}
