// SQL for the paper broker: `trades` (one row per order and its fill), `portfolio`, `paper_account`
// and `equity_history`. NUMERIC columns come back from pg as strings and stay so until the service
// reads them with decimal.js. A placement, a fill or a cancel runs in one transaction (`transaction`)
// that locks the account row first, then the position, then the order: one lock order, no deadlock.
import type pg from 'pg';
import { withTransaction } from '../db/transaction';
import { TIMEFRAME_MINUTES, type Timeframe } from '../market-data/schema';
import { SqlParams, afterCursor } from '../shared/sql';
import type { HistoryQuery, OrderStatus, OrdersQuery, OrderType, Side, TimeInForce } from './schema';

/** A trades row: an order and, once filled, its fill. Amounts are decimal strings. */
export interface TradeRecord {
  id: string;
  clientOrderId: string | null;
  ticker: string;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  quantity: string;
  price: string | null;
  limitPrice: string | null;
  stopPrice: string | null;
  totalValue: string | null;
  fees: string;
  orderTime: Date;
  executionTime: Date | null;
  status: OrderStatus;
  statusReason: string | null;
  expiresAt: Date | null;
  triggeredAt: Date | null;
  matchedThrough: Date | null;
  replacesId: string | null;
  modelId: string | null;
  predictionId: string | null;
  strategy: string | null;
  notes: string | null;
  exitPrice: string | null;
  exitTime: Date | null;
  profitLoss: string | null;
  profitLossPct: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What placing an order writes. */
export type NewOrder = Pick<TradeRecord, 'ticker' | 'side' | 'type' | 'timeInForce' | 'quantity' | 'limitPrice' | 'stopPrice' | 'orderTime' | 'expiresAt'> &
  Partial<Pick<TradeRecord, 'clientOrderId' | 'modelId' | 'predictionId' | 'strategy' | 'notes' | 'replacesId'>>;

/** What a fill writes on its order. */
export interface FillRecord {
  price: string;
  totalValue: string;
  fees: string;
  executionTime: Date;
  exitPrice: string | null;
  exitTime: Date | null;
  profitLoss: string | null;
  profitLossPct: number | null;
}

/** What the accounting of a position works on. */
export interface Position {
  ticker: string;
  quantity: string;
  avgEntryPrice: string;
  realizedPnL: string;
}

/** A position valued at a price: what a fill writes. */
export interface ValuedAt extends Position {
  currentPrice: string;
  marketValue: string;
  unrealizedPnL: string;
  unrealizedPnLPct: number | null;
}

/** A portfolio row (the plan's Portfolio model). */
export interface PositionRecord extends Position {
  id: string;
  currentPrice: string | null;
  marketValue: string | null;
  unrealizedPnL: string;
  unrealizedPnLPct: number | null;
  stopLoss: string | null;
  takeProfit: string | null;
  updatedAt: Date;
}

/** The close of a ticker's newest bar (as exact decimal text) and that bar's start. */
export interface LastPrice {
  price: string;
  time: Date;
}

/** A stored position beside the close of its ticker's newest bar (null without market data). */
export type PricedPosition = PositionRecord & { lastPrice: string | null; lastPriceTime: Date | null };

/** An open order beside the close of its ticker's newest bar: what buying power reserves. */
export type PricedOrder = Pick<TradeRecord, 'ticker' | 'side' | 'quantity' | 'limitPrice' | 'stopPrice'> & { lastPrice: string | null };

export interface AccountRecord {
  cash: string;
  startingCash: string;
}

export interface EquityRecord {
  time: Date;
  cash: string;
  positionsValue: string;
  equity: string;
}

/** A bar as the matcher reads it: prices as exact decimal text. */
export interface MatchBar {
  timestamp: Date;
  open: string;
  high: string;
  low: string;
  close: string;
}

const TRADE_COLUMNS = `id, client_order_id AS "clientOrderId", ticker, side, "type", time_in_force AS "timeInForce", quantity, price,
  limit_price AS "limitPrice", stop_price AS "stopPrice", total_value AS "totalValue", fees, order_time AS "orderTime",
  execution_time AS "executionTime", status, status_reason AS "statusReason", expires_at AS "expiresAt", triggered_at AS "triggeredAt",
  matched_through AS "matchedThrough", replaces_id AS "replacesId", model_id AS "modelId", prediction_id AS "predictionId", strategy, notes,
  exit_price AS "exitPrice", exit_time AS "exitTime", profit_loss AS "profitLoss", profit_loss_pct AS "profitLossPct",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

const POSITION_COLUMNS = `p.id, p.ticker, p.quantity, p.avg_entry_price AS "avgEntryPrice", p.current_price AS "currentPrice",
  p.market_value AS "marketValue", p.unrealized_pnl AS "unrealizedPnL", p.unrealized_pnl_pct AS "unrealizedPnLPct",
  p.realized_pnl AS "realizedPnL", p.stop_loss AS "stopLoss", p.take_profit AS "takeProfit", p.updated_at AS "updatedAt"`;

const TIMEFRAME_VALUES = Object.entries(TIMEFRAME_MINUTES)
  .map(([timeframe, minutes]) => `('${timeframe as Timeframe}', ${minutes})`)
  .join(', ');

/**
 * The newest bar of `tickerSql` that started at or before `asOfSql`, over every timeframe: one index
 * probe per timeframe, the bar that ends last wins (a daily bar ends after the day's minute bars),
 * the finer one on a tie. The close is a double precision column: its text is the shortest exact
 * decimal of the stored value.
 */
const latestCloseSql = (tickerSql: string, asOfSql: string) => `
  SELECT b.close::text AS price, b."timestamp" AS time
  FROM (VALUES ${TIMEFRAME_VALUES}) AS tf(timeframe, minutes)
  CROSS JOIN LATERAL (
    SELECT m.close, m."timestamp" FROM market_data m
    WHERE m.ticker = ${tickerSql} AND m.timeframe = tf.timeframe AND m."timestamp" <= ${asOfSql}
    ORDER BY m."timestamp" DESC LIMIT 1
  ) b
  ORDER BY b."timestamp" + tf.minutes * interval '1 minute' DESC, tf.minutes
  LIMIT 1`;

/** The single account row's id (paper_account_single_check). */
const ACCOUNT_ID = 'paper';

/** Most bars one matching pass reads per order; the next pass continues from matched_through. */
const MATCH_BATCH = 5000;

type Queryable = pg.Pool | pg.PoolClient;

export class TradingRepository {
  constructor(
    private readonly pool: pg.Pool,
    /** The connection queries run on: the pool, or a transaction's client. */
    readonly connection: Queryable = pool,
  ) {}

  /** Runs `work` in one transaction; the repository it receives queries on that transaction. */
  transaction<T>(work: (tx: TradingRepository) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, (client) => work(new TradingRepository(this.pool, client)));
  }

  private get db(): Queryable {
    return this.connection;
  }

  /** The price as of `asOf`: the close of the newest bar that started by then. */
  async latestPrice(ticker: string, asOf: Date): Promise<LastPrice | null> {
    const { rows } = await this.db.query<LastPrice>(latestCloseSql('$1', '$2'), [ticker, asOf]);
    return rows[0] ?? null;
  }

  async predictionExists(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query('SELECT 1 FROM predictions WHERE id = $1 LIMIT 1', [id]);
    return (rowCount ?? 0) > 0;
  }

  async findByClientOrderId(clientOrderId: string): Promise<TradeRecord | null> {
    const { rows } = await this.db.query<TradeRecord>(`SELECT ${TRADE_COLUMNS} FROM trades WHERE client_order_id = $1`, [clientOrderId]);
    return rows[0] ?? null;
  }

  async findOrder(id: string): Promise<TradeRecord | null> {
    const { rows } = await this.db.query<TradeRecord>(`SELECT ${TRADE_COLUMNS} FROM trades WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** The order, locked until the transaction ends. */
  async lockOrder(id: string): Promise<TradeRecord | null> {
    const { rows } = await this.db.query<TradeRecord>(`SELECT ${TRADE_COLUMNS} FROM trades WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ?? null;
  }

  /** Open orders (of `ticker`, or all), in time priority, locked until the transaction ends. */
  async lockOpenOrders(ticker?: string): Promise<TradeRecord[]> {
    const { rows } = await this.db.query<TradeRecord>(
      `SELECT ${TRADE_COLUMNS} FROM trades WHERE status = 'NEW' AND ($1::text IS NULL OR ticker = $1)
       ORDER BY order_time, id FOR UPDATE`,
      [ticker ?? null],
    );
    return rows;
  }

  /** Every open order with the close of its ticker as of `asOf`. */
  async pricedOpenOrders(asOf: Date): Promise<PricedOrder[]> {
    const { rows } = await this.db.query<PricedOrder>(
      `SELECT o.ticker, o.side, o.quantity, o.limit_price AS "limitPrice", o.stop_price AS "stopPrice", lp.price AS "lastPrice"
       FROM trades o LEFT JOIN LATERAL (${latestCloseSql('o.ticker', '$1')}) lp ON TRUE
       WHERE o.status = 'NEW'`,
      [asOf],
    );
    return rows;
  }

  async tickersWithOpenOrders(): Promise<string[]> {
    const { rows } = await this.db.query<{ ticker: string }>(`SELECT DISTINCT ticker FROM trades WHERE status = 'NEW' ORDER BY ticker`);
    return rows.map((r) => r.ticker);
  }

  async insertOrder(o: NewOrder): Promise<TradeRecord> {
    const { rows } = await this.db.query<TradeRecord>(
      `INSERT INTO trades (id, client_order_id, ticker, side, "type", time_in_force, quantity, limit_price, stop_price, order_time,
                           expires_at, status, replaces_id, model_id, prediction_id, strategy, notes, created_at, updated_at)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'NEW', $11, $12, $13, $14, $15, $9, $9)
       RETURNING ${TRADE_COLUMNS}`,
      [
        o.clientOrderId ?? null,
        o.ticker,
        o.side,
        o.type,
        o.timeInForce,
        o.quantity,
        o.limitPrice,
        o.stopPrice,
        o.orderTime,
        o.expiresAt,
        o.replacesId ?? null,
        o.modelId ?? null,
        o.predictionId ?? null,
        o.strategy ?? null,
        o.notes ?? null,
      ],
    );
    return rows[0]!;
  }

  async fillOrder(id: string, f: FillRecord, at: Date): Promise<TradeRecord> {
    const { rows } = await this.db.query<TradeRecord>(
      `UPDATE trades SET status = 'FILLED', price = $2, total_value = $3, fees = $4, execution_time = $5, exit_price = $6,
              exit_time = $7, profit_loss = $8, profit_loss_pct = $9, updated_at = $10
       WHERE id = $1 RETURNING ${TRADE_COLUMNS}`,
      [id, f.price, f.totalValue, f.fees, f.executionTime, f.exitPrice, f.exitTime, f.profitLoss, f.profitLossPct, at],
    );
    return rows[0]!;
  }

  /** Ends an open order as CANCELED, EXPIRED or REJECTED. */
  async closeOrder(id: string, status: Exclude<OrderStatus, 'NEW' | 'FILLED'>, reason: string, at: Date): Promise<TradeRecord> {
    const { rows } = await this.db.query<TradeRecord>(
      `UPDATE trades SET status = $2, status_reason = $3, updated_at = $4 WHERE id = $1 RETURNING ${TRADE_COLUMNS}`,
      [id, status, reason, at],
    );
    return rows[0]!;
  }

  /** Records how far the matcher got with an order, and when its stop was touched. */
  async markMatched(id: string, through: Date, triggeredAt: Date | null): Promise<void> {
    await this.db.query(`UPDATE trades SET matched_through = $2, triggered_at = coalesce(triggered_at, $3) WHERE id = $1`, [id, through, triggeredAt]);
  }

  /**
   * Bars of `ticker` starting at or after `from` (and after `after`, when given), oldest first, of the
   * finest timeframe that has any: an order is matched against one series, never against overlapping ones.
   */
  async barsFrom(ticker: string, from: Date, after: Date | null): Promise<MatchBar[]> {
    const { rows } = await this.db.query<MatchBar>(
      `WITH tf AS (
         SELECT tf.timeframe FROM (VALUES ${TIMEFRAME_VALUES}) AS tf(timeframe, minutes)
         WHERE EXISTS (SELECT 1 FROM market_data m WHERE m.ticker = $1 AND m.timeframe = tf.timeframe AND m."timestamp" >= $2
                         AND ($3::timestamptz IS NULL OR m."timestamp" > $3))
         ORDER BY tf.minutes LIMIT 1
       )
       SELECT m."timestamp", m.open::text AS open, m.high::text AS high, m.low::text AS low, m.close::text AS close
       FROM market_data m JOIN tf ON m.timeframe = tf.timeframe
       WHERE m.ticker = $1 AND m."timestamp" >= $2 AND ($3::timestamptz IS NULL OR m."timestamp" > $3)
       ORDER BY m."timestamp" LIMIT ${MATCH_BATCH}`,
      [ticker, from, after],
    );
    return rows;
  }

  /** The account row, created with `startingCash` if missing, locked until the transaction ends. */
  async lockAccount(startingCash: string): Promise<AccountRecord> {
    await this.db.query(`INSERT INTO paper_account (id, cash, starting_cash) VALUES ($1, $2, $2) ON CONFLICT (id) DO NOTHING`, [ACCOUNT_ID, startingCash]);
    const { rows } = await this.db.query<AccountRecord>(
      `SELECT cash, starting_cash AS "startingCash" FROM paper_account WHERE id = $1 FOR UPDATE`,
      [ACCOUNT_ID],
    );
    return rows[0]!;
  }

  async findAccount(): Promise<AccountRecord | null> {
    const { rows } = await this.db.query<AccountRecord>(`SELECT cash, starting_cash AS "startingCash" FROM paper_account WHERE id = $1`, [ACCOUNT_ID]);
    return rows[0] ?? null;
  }

  async saveCash(cash: string, at: Date): Promise<void> {
    await this.db.query(`UPDATE paper_account SET cash = $2, updated_at = $3 WHERE id = $1`, [ACCOUNT_ID, cash, at]);
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

  /** Every position (flat ones keep their realised P&L) with the close of its ticker as of `asOf`. */
  async positions(asOf: Date): Promise<PricedPosition[]> {
    const { rows } = await this.db.query<PricedPosition>(
      `SELECT ${POSITION_COLUMNS}, lp.price AS "lastPrice", lp.time AS "lastPriceTime"
       FROM portfolio p LEFT JOIN LATERAL (${latestCloseSql('p.ticker', '$1')}) lp ON TRUE
       ORDER BY p.ticker`,
      [asOf],
    );
    return rows;
  }

  async insertEquityPoint(point: EquityRecord): Promise<void> {
    await this.db.query(`INSERT INTO equity_history (time, cash, positions_value, equity) VALUES ($1, $2, $3, $4)`, [
      point.time,
      point.cash,
      point.positionsValue,
      point.equity,
    ]);
  }

  /** The newest `limit` equity points, returned oldest first. */
  async equityHistory(limit: number): Promise<EquityRecord[]> {
    const { rows } = await this.db.query<EquityRecord>(
      `SELECT time, cash, "positionsValue", equity FROM (
         SELECT id, time, cash, positions_value AS "positionsValue", equity FROM equity_history ORDER BY time DESC, id DESC LIMIT $1
       ) newest ORDER BY time, id`,
      [limit],
    );
    return rows;
  }

  /** Equity at the last point before `time` (null when there is none). */
  async equityBefore(time: Date): Promise<string | null> {
    const { rows } = await this.db.query<{ equity: string }>(`SELECT equity FROM equity_history WHERE time < $1 ORDER BY time DESC, id DESC LIMIT 1`, [time]);
    return rows[0]?.equity ?? null;
  }

  /** Orders by status group, newest first. */
  async listOrders(query: OrdersQuery): Promise<TradeRecord[]> {
    const statusFilter = { open: `status = 'NEW'`, closed: `status <> 'NEW'`, all: 'TRUE' }[query.status];
    const { rows } = await this.db.query<TradeRecord>(
      `SELECT ${TRADE_COLUMNS} FROM trades WHERE ${statusFilter} AND ($1::text IS NULL OR ticker = $1)
       ORDER BY order_time DESC, id DESC LIMIT $2`,
      [query.ticker ?? null, query.limit],
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
