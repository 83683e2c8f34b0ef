-- CreateEnum
CREATE TYPE "TimeInForce" AS ENUM ('DAY', 'GTC', 'IOC', 'FOK');

-- OrderType gains the stop orders; TradeStatus becomes the order lifecycle (PENDING -> NEW,
-- FAILED -> REJECTED). Constraints naming the old types are dropped first and re-made after.
ALTER TABLE "trades" DROP CONSTRAINT "trades_limit_price_check";
ALTER TABLE "trades" DROP CONSTRAINT "trades_filled_check";
ALTER TABLE "trades" DROP CONSTRAINT "trades_total_value_check";
ALTER TYPE "OrderType" ADD VALUE 'STOP';
ALTER TYPE "OrderType" ADD VALUE 'STOP_LIMIT';

CREATE TYPE "TradeStatus_new" AS ENUM ('NEW', 'FILLED', 'CANCELED', 'EXPIRED', 'REJECTED');
ALTER TABLE "trades" ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "trades" ALTER COLUMN "status" TYPE "TradeStatus_new" USING (
  CASE "status"::text WHEN 'PENDING' THEN 'NEW' WHEN 'FAILED' THEN 'REJECTED' ELSE "status"::text END::"TradeStatus_new"
);
ALTER TYPE "TradeStatus" RENAME TO "TradeStatus_old";
ALTER TYPE "TradeStatus_new" RENAME TO "TradeStatus";
DROP TYPE "TradeStatus_old";

-- AlterTable
ALTER TABLE "portfolio" ALTER COLUMN "quantity" SET DATA TYPE DECIMAL(20,6),
ALTER COLUMN "avg_entry_price" SET DATA TYPE DECIMAL(20,6),
ALTER COLUMN "current_price" SET DATA TYPE DECIMAL(20,6),
ALTER COLUMN "realized_pnl" SET DATA TYPE DECIMAL(26,6),
ALTER COLUMN "unrealized_pnl" SET DATA TYPE DECIMAL(26,6),
ALTER COLUMN "market_value" SET DATA TYPE DECIMAL(26,6),
ALTER COLUMN "stop_loss" SET DATA TYPE DECIMAL(20,6),
ALTER COLUMN "take_profit" SET DATA TYPE DECIMAL(20,6);

-- AlterTable
ALTER TABLE "trades" ADD COLUMN     "expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "matched_through" TIMESTAMPTZ(3),
ADD COLUMN     "replaces_id" UUID,
ADD COLUMN     "status_reason" TEXT,
ADD COLUMN     "stop_price" DECIMAL(20,6),
ADD COLUMN     "time_in_force" "TimeInForce" NOT NULL DEFAULT 'DAY',
ADD COLUMN     "triggered_at" TIMESTAMPTZ(3),
ALTER COLUMN "quantity" SET DATA TYPE DECIMAL(20,6),
ALTER COLUMN "price" SET DATA TYPE DECIMAL(20,6),
ALTER COLUMN "limit_price" SET DATA TYPE DECIMAL(20,6),
ALTER COLUMN "status" SET DEFAULT 'NEW',
ALTER COLUMN "fees" SET DATA TYPE DECIMAL(26,6),
ALTER COLUMN "profit_loss" SET DATA TYPE DECIMAL(26,6),
ALTER COLUMN "total_value" SET DATA TYPE DECIMAL(26,6),
ALTER COLUMN "exit_price" SET DATA TYPE DECIMAL(20,6);

-- CreateTable
CREATE TABLE "paper_account" (
    "id" TEXT NOT NULL DEFAULT 'paper',
    "cash" DECIMAL(26,6) NOT NULL,
    "starting_cash" DECIMAL(26,6) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "paper_account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "equity_history" (
    "id" BIGSERIAL NOT NULL,
    "time" TIMESTAMPTZ(3) NOT NULL,
    "cash" DECIMAL(26,6) NOT NULL,
    "positions_value" DECIMAL(26,6) NOT NULL,
    "equity" DECIMAL(26,6) NOT NULL,

    CONSTRAINT "equity_history_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "equity_history_time_idx" ON "equity_history"("time");

-- Invariants of the order lifecycle (the enum values added above are usable from here on only
-- through text casts, as ALTER TYPE ... ADD VALUE is not committed yet).
ALTER TABLE "trades" ADD CONSTRAINT "trades_limit_price_check"
  CHECK (("type"::text IN ('LIMIT', 'STOP_LIMIT')) = ("limit_price" IS NOT NULL) AND ("limit_price" IS NULL OR "limit_price" > 0));
ALTER TABLE "trades" ADD CONSTRAINT "trades_stop_price_check"
  CHECK (("type"::text IN ('STOP', 'STOP_LIMIT')) = ("stop_price" IS NOT NULL) AND ("stop_price" IS NULL OR "stop_price" > 0));
ALTER TABLE "trades" ADD CONSTRAINT "trades_filled_check" CHECK ("status" <> 'FILLED' OR ("price" IS NOT NULL AND "execution_time" IS NOT NULL));
ALTER TABLE "trades" ADD CONSTRAINT "trades_total_value_check" CHECK (
  ("status" <> 'FILLED' OR "total_value" IS NOT NULL) AND ("total_value" IS NULL OR "total_value" >= 0)
);
ALTER TABLE "paper_account" ADD CONSTRAINT "paper_account_single_check" CHECK ("id" = 'paper');
ALTER TABLE "paper_account" ADD CONSTRAINT "paper_account_cash_check" CHECK ("starting_cash" >= 0);

-- The matcher's read: the open orders of one ticker in time priority.
CREATE INDEX "trades_open_orders_idx" ON "trades"("ticker", "order_time", "id") WHERE "status" = 'NEW';
