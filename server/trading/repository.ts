// SQL for `trades` and `portfolio`. An execution runs in one transaction on one connection
// (`transaction`), with the position's row locked so concurrent orders for a ticker queue up.
import type pg from 'pg';
import { withTransaction } from '../db/transaction';
import { TIMEFRAME_MINUTES, type Timeframe } from '../market-data/schema';
import { SqlParams, afterCursor } from '../shared/sql';
import type { HistoryQuery, Position } from './schema';

export interface TradeRecord {
  id: string;
  clientOrderId: string | null;
  ticker: string;
  side: 'BUY' | 'SELL';
  quantity: number;
  price: number | null;
  orderType: 'MARKET' | 'LIMIT';
  limitPrice: number | null;
  status: 'PENDING' | 'FILLED' | 'CANCELLED' | 'REJECTED';
  commission: number;
  realizedPnl: number | null;
  modelId: string | null;
  predictionId: string | null;
  notes: string | null;
  executedAt: Date | null;
  createdAt: Date;
}

export type NewTrade = Omit<TradeRecord, 'id' | 'commission' | 'createdAt' | 'clientOrderId' | 'modelId' | 'predictionId' | 'notes'> & {
  clientOrderId?: string;
  modelId?: string;
  predictionId?: string;
  notes?: string;
};

/** The close of a ticker's newest bar and that bar's start. */
export interface LastPrice {
  price: number;
  time: Date;
}

export type PricedPosition = Position & { currentPrice: number | null; priceTime: Date | null };

const TRADE_COLUMNS = `id, client_order_id AS "clientOrderId", ticker, side, quantity, price, order_type AS "orderType",
  limit_price AS "limitPrice", status, commission, realized_pnl AS "realizedPnl", model_id AS "modelId",
  prediction_id AS "predictionId", notes, executed_at AS "executedAt", created_at AS "createdAt"`;

const POSITION_COLUMNS = `p.ticker, p.quantity, p.average_price AS "averagePrice", p.realized_pnl AS "realizedPnl"`;

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
      `INSERT INTO trades (id, client_order_id, ticker, side, quantity, price, order_type, limit_price, status, realized_pnl,
                           model_id, prediction_id, notes, executed_at)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       RETURNING ${TRADE_COLUMNS}`,
      [
        t.clientOrderId ?? null,
        t.ticker,
        t.side,
        t.quantity,
        t.price,
        t.orderType,
        t.limitPrice,
        t.status,
        t.realizedPnl,
        t.modelId ?? null,
        t.predictionId ?? null,
        t.notes ?? null,
        t.executedAt,
      ],
    );
    return rows[0]!;
  }

  /** The ticker's position, created flat if missing, locked until the transaction ends. */
  async lockPosition(ticker: string): Promise<Position> {
    await this.db.query(`INSERT INTO portfolio (ticker, quantity, average_price) VALUES ($1, 0, 0) ON CONFLICT (ticker) DO NOTHING`, [ticker]);
    const { rows } = await this.db.query<Position>(`SELECT ${POSITION_COLUMNS} FROM portfolio p WHERE p.ticker = $1 FOR UPDATE`, [ticker]);
    return rows[0]!;
  }

  async findPosition(ticker: string): Promise<Position | null> {
    const { rows } = await this.db.query<Position>(`SELECT ${POSITION_COLUMNS} FROM portfolio p WHERE p.ticker = $1`, [ticker]);
    return rows[0] ?? null;
  }

  /** Writes a position after a fill at `price`, which is also its latest known price. */
  async savePosition(p: Position, price: number): Promise<void> {
    await this.db.query(
      `UPDATE portfolio SET quantity = $2, average_price = $3, realized_pnl = $4, current_price = $5,
              unrealized_pnl = $6, updated_at = now()
       WHERE ticker = $1`,
      [p.ticker, p.quantity, p.averagePrice, p.realizedPnl, price, (price - p.averagePrice) * p.quantity],
    );
  }

  /** Every position (flat ones keep their realised P&L) with the close of its newest bar. */
  async positions(): Promise<PricedPosition[]> {
    const { rows } = await this.db.query<PricedPosition>(
      `SELECT ${POSITION_COLUMNS}, lp.price AS "currentPrice", lp.time AS "priceTime"
       FROM portfolio p LEFT JOIN LATERAL (${latestCloseSql('p.ticker')}) lp ON TRUE
       ORDER BY p.ticker`,
    );
    return rows;
  }

  /** Trades, newest first, keyset-paginated on (createdAt, id). */
  async listTrades(query: HistoryQuery): Promise<TradeRecord[]> {
    const params = new SqlParams();
    const where = ['TRUE'];
    if (query.ticker) where.push(`ticker = ${params.add(query.ticker)}`);
    if (query.status) where.push(`status = ${params.add(query.status)}::"TradeStatus"`);
    if (query.from) where.push(`created_at >= ${params.add(query.from)}`);
    if (query.to) where.push(`created_at < ${params.add(query.to)}`);
    if (query.cursor) where.push(afterCursor('created_at', 'id', query.cursor, params));
    const { rows } = await this.db.query<TradeRecord>(
      `SELECT ${TRADE_COLUMNS} FROM trades WHERE ${where.join(' AND ')}
       ORDER BY created_at DESC, id DESC LIMIT ${params.add(query.limit)}`,
      params.values,
    );
    return rows;
  }
}
