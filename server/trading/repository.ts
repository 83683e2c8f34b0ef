// SQL for `trades` and `portfolio`. An execution runs in one transaction on one connection
// (`transaction`), with the position's row locked so concurrent orders for a ticker queue up.
import type pg from 'pg';
import { withTransaction } from '../db/transaction';
import { TIMEFRAME_MINUTES, type Timeframe } from '../market-data/schema';
import { SqlParams, afterCursor } from '../shared/sql';
import type { HistoryQuery } from './schema';

export interface TradeRecord {
  id: string;
  clientOrderId: string | null;
  ticker: string;
  side: 'BUY' | 'SELL';
  type: 'MARKET' | 'LIMIT';
  quantity: number;
  price: number | null;
  limitPrice: number | null;
  totalValue: number | null;
  fees: number;
  orderTime: Date;
  executionTime: Date | null;
  status: 'PENDING' | 'FILLED' | 'CANCELED' | 'FAILED';
  modelId: string | null;
  predictionId: string | null;
  strategy: string | null;
  notes: string | null;
  exitPrice: number | null;
  exitTime: Date | null;
  profitLoss: number | null;
  profitLossPct: number | null;
  createdAt: Date;
  updatedAt: Date;
}

type OptionalTradeFields = 'clientOrderId' | 'modelId' | 'predictionId' | 'strategy' | 'notes';
export type NewTrade = Omit<TradeRecord, 'id' | 'fees' | 'createdAt' | 'updatedAt' | OptionalTradeFields> & Partial<Record<OptionalTradeFields, string>>;

/** What the accounting of a position works on: quantity, average entry price, realised P&L. */
export interface Position {
  ticker: string;
  quantity: number;
  avgEntryPrice: number;
  realizedPnL: number;
}

/** A position valued at a price: what a fill writes. */
export interface ValuedAt extends Position {
  currentPrice: number;
  marketValue: number;
  unrealizedPnL: number;
  unrealizedPnLPct: number | null;
}

/** A portfolio row (the plan's Portfolio model). */
export interface PositionRecord extends Position {
  id: string;
  currentPrice: number | null;
  marketValue: number | null;
  unrealizedPnL: number;
  unrealizedPnLPct: number | null;
  stopLoss: number | null;
  takeProfit: number | null;
  updatedAt: Date;
}

/** The close of a ticker's newest bar and that bar's start. */
export interface LastPrice {
  price: number;
  time: Date;
}

/** A stored position beside the close of its ticker's newest bar (null without market data). */
export type PricedPosition = PositionRecord & { lastPrice: number | null; lastPriceTime: Date | null };

const TRADE_COLUMNS = `id, client_order_id AS "clientOrderId", ticker, side, "type", quantity, price, limit_price AS "limitPrice",
  total_value AS "totalValue", fees, order_time AS "orderTime", execution_time AS "executionTime", status,
  model_id AS "modelId", prediction_id AS "predictionId", strategy, notes, exit_price AS "exitPrice", exit_time AS "exitTime",
  profit_loss AS "profitLoss", profit_loss_pct AS "profitLossPct", created_at AS "createdAt", updated_at AS "updatedAt"`;

const POSITION_COLUMNS = `p.id, p.ticker, p.quantity, p.avg_entry_price AS "avgEntryPrice", p.current_price AS "currentPrice",
  p.market_value AS "marketValue", p.unrealized_pnl AS "unrealizedPnL", p.unrealized_pnl_pct AS "unrealizedPnLPct",
  p.realized_pnl AS "realizedPnL", p.stop_loss AS "stopLoss", p.take_profit AS "takeProfit", p.updated_at AS "updatedAt"`;

const TIMEFRAME_VALUES = Object.entries(TIMEFRAME_MINUTES)
  .map(([timeframe, minutes]) => `('${timeframe as Timeframe}', ${minutes})`)
  .join(', ');

/**
 * The newest bar of `tickerSql` over every timeframe: one index probe per timeframe, the bar that
 * ends last wins (a daily bar ends after the day's minute bars), the finer one on a tie.
 */
const latestCloseSql = (tickerSql: string) => `
  SELECT b.close AS price, b."timestamp" AS time
  FROM (VALUES ${TIMEFRAME_VALUES}) AS tf(timeframe, minutes)
  CROSS JOIN LATERAL (
    SELECT m.close, m."timestamp" FROM market_data m
    WHERE m.ticker = ${tickerSql} AND m.timeframe = tf.timeframe
    ORDER BY m."timestamp" DESC LIMIT 1
  ) b
  ORDER BY b."timestamp" + tf.minutes * interval '1 minute' DESC, tf.minutes
  LIMIT 1`;

export class TradingRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly db: pg.Pool | pg.PoolClient = pool,
  ) {}

  /** Runs `work` in one transaction; the repository it receives queries on that transaction. */
  transaction<T>(work: (tx: TradingRepository) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, (client) => work(new TradingRepository(this.pool, client)));
  }

  async latestPrice(ticker: string): Promise<LastPrice | null> {
    const { rows } = await this.db.query<LastPrice>(latestCloseSql('$1'), [ticker]);
    return rows[0] ?? null;
  }

  async findByClientOrderId(clientOrderId: string): Promise<TradeRecord | null> {
    const { rows } = await this.db.query<TradeRecord>(`SELECT ${TRADE_COLUMNS} FROM trades WHERE client_order_id = $1`, [clientOrderId]);
    return rows[0] ?? null;
  }

  async insertTrade(t: NewTrade): Promise<TradeRecord> {
    const { rows } = await this.db.query<TradeRecord>(
      `INSERT INTO trades (id, client_order_id, ticker, side, "type", quantity, price, limit_price, total_value, order_time,
                           execution_time, status, model_id, prediction_id, strategy, notes, exit_price, exit_time,
                           profit_loss, profit_loss_pct, created_at, updated_at)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $9, $9)
       RETURNING ${TRADE_COLUMNS}`,
      [
        t.clientOrderId ?? null,
        t.ticker,
        t.side,
        t.type,
        t.quantity,
        t.price,
        t.limitPrice,
        t.totalValue,
        t.orderTime,
        t.executionTime,
        t.status,
        t.modelId ?? null,
        t.predictionId ?? null,
        t.strategy ?? null,
        t.notes ?? null,
        t.exitPrice,
        t.exitTime,
        t.profitLoss,
        t.profitLossPct,
      ],
    );
    return rows[0]!;
  }

  /** The ticker's position, created flat if missing, locked until the transaction ends. */
  async lockPosition(ticker: string): Promise<PositionRecord> {
    await this.db.query(
      `INSERT INTO portfolio (id, ticker, quantity, avg_entry_price) VALUES (gen_random_uuid(), $1, 0, 0) ON CONFLICT (ticker) DO NOTHING`,
      [ticker],
    );
    const { rows } = await this.db.query<PositionRecord>(`SELECT ${POSITION_COLUMNS} FROM portfolio p WHERE p.ticker = $1 FOR UPDATE`, [ticker]);
    return rows[0]!;
  }

  async findPosition(ticker: string): Promise<PositionRecord | null> {
    const { rows } = await this.db.query<PositionRecord>(`SELECT ${POSITION_COLUMNS} FROM portfolio p WHERE p.ticker = $1`, [ticker]);
    return rows[0] ?? null;
  }

  /** Writes a position after a fill, valued at the fill price (its latest known price). */
  async savePosition(p: ValuedAt, at: Date): Promise<PositionRecord> {
    const { rows } = await this.db.query<PositionRecord>(
      `UPDATE portfolio p SET quantity = $2, avg_entry_price = $3, realized_pnl = $4, current_price = $5,
              market_value = $6, unrealized_pnl = $7, unrealized_pnl_pct = $8, updated_at = $9
       WHERE ticker = $1
       RETURNING ${POSITION_COLUMNS}`,
      [p.ticker, p.quantity, p.avgEntryPrice, p.realizedPnL, p.currentPrice, p.marketValue, p.unrealizedPnL, p.unrealizedPnLPct, at],
    );
    return rows[0]!;
  }

  /** Every position (flat ones keep their realised P&L) with the close of its newest bar. */
  async positions(): Promise<PricedPosition[]> {
    const { rows } = await this.db.query<PricedPosition>(
      `SELECT ${POSITION_COLUMNS}, lp.price AS "lastPrice", lp.time AS "lastPriceTime"
       FROM portfolio p LEFT JOIN LATERAL (${latestCloseSql('p.ticker')}) lp ON TRUE
       ORDER BY p.ticker`,
    );
    return rows;
  }

  /** Trades, newest first, keyset-paginated on (orderTime, id). */
  async listTrades(query: HistoryQuery): Promise<TradeRecord[]> {
    const params = new SqlParams();
    const where = ['TRUE'];
    if (query.ticker) where.push(`ticker = ${params.add(query.ticker)}`);
    if (query.status) where.push(`status = ${params.add(query.status)}::"TradeStatus"`);
    if (query.from) where.push(`order_time >= ${params.add(query.from)}`);
    if (query.to) where.push(`order_time < ${params.add(query.to)}`);
    if (query.cursor) where.push(afterCursor('order_time', 'id', query.cursor, params));
    const { rows } = await this.db.query<TradeRecord>(
      `SELECT ${TRADE_COLUMNS} FROM trades WHERE ${where.join(' AND ')}
       ORDER BY order_time DESC, id DESC LIMIT ${params.add(query.limit)}`,
      params.values,
    );
    return rows;
  }
}
