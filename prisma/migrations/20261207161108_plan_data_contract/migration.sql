-- The plan's data contract, field for field (issue #10): every field of the plan's eight models
-- exists under the plan's name. Renamed fields keep their data (RENAME COLUMN); new fields are
-- filled from what the rows already record, and left NULL where nothing does (never invented).
-- server/db/plan-contract-migration.test.ts converts rows of the old shape and checks every value.

-- market_data: where each bar came from. Rows stored before this column existed say 'unknown',
-- except bars inside a window an ingestion run fetched, which take that window's source. New rows
-- default to the plan's 'polygon'. (ADD COLUMN with a constant default rewrites nothing.)
ALTER TABLE "market_data" ADD COLUMN "source" TEXT NOT NULL DEFAULT 'unknown';
UPDATE "market_data" m SET "source" = l."source"
FROM "data_ingestion_logs" l
WHERE l."status" IN ('SUCCESS', 'PARTIAL') AND l."ticker" = m."ticker" AND l."timeframe" = m."timeframe"
  AND m."timestamp" >= l."start_date" AND m."timestamp" < l."end_date";
ALTER TABLE "market_data" ALTER COLUMN "source" SET DEFAULT 'polygon';
ALTER TABLE "market_data" ADD CONSTRAINT "market_data_source_check" CHECK (char_length("source") BETWEEN 1 AND 64);

-- predictions: the plan's names, the model version each prediction was made with, the raw model
-- output, and when the row last changed (its resolution, or its creation).
ALTER TABLE "predictions" RENAME COLUMN "predicted_direction" TO "direction";
ALTER TABLE "predictions" RENAME COLUMN "is_correct" TO "correct";
ALTER TABLE "predictions" ADD COLUMN "model_version" TEXT,
  ADD COLUMN "model_output" JSONB,
  ADD COLUMN "updated_at" TIMESTAMPTZ(3);
UPDATE "predictions" p SET "model_version" = m."version", "updated_at" = coalesce(p."resolved_at", p."created_at")
FROM "models" m WHERE m."id" = p."model_id";
ALTER TABLE "predictions" ALTER COLUMN "model_version" SET NOT NULL,
  ALTER COLUMN "updated_at" SET NOT NULL,
  ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

-- models: the plan's training and deployment metadata.
ALTER TABLE "models" RENAME COLUMN "training_start" TO "training_data_from";
ALTER TABLE "models" RENAME COLUMN "training_end" TO "training_data_to";
ALTER TABLE "models" ADD COLUMN "training_rows" INTEGER,
  ADD COLUMN "max_drawdown" DOUBLE PRECISION,
  ADD COLUMN "feature_importance" JSONB,
  ADD COLUMN "model_path" TEXT;
ALTER TABLE "models" ADD CONSTRAINT "models_training_check" CHECK (
  ("training_rows" IS NULL OR "training_rows" >= 0)
  AND ("training_data_from" IS NULL OR "training_data_to" IS NULL OR "training_data_from" <= "training_data_to")
);

-- trades: the plan's names and statuses, when the order was placed, its value, strategy and exit.
ALTER TYPE "TradeStatus" RENAME VALUE 'CANCELLED' TO 'CANCELED';
ALTER TYPE "TradeStatus" RENAME VALUE 'REJECTED' TO 'FAILED';
ALTER TABLE "trades" RENAME COLUMN "order_type" TO "type";
ALTER TABLE "trades" RENAME COLUMN "commission" TO "fees";
ALTER TABLE "trades" RENAME COLUMN "executed_at" TO "execution_time";
ALTER TABLE "trades" RENAME COLUMN "realized_pnl" TO "profit_loss";
ALTER TABLE "trades" RENAME CONSTRAINT "trades_commission_check" TO "trades_fees_check";
ALTER TABLE "trades" ADD COLUMN "order_time" TIMESTAMPTZ(3),
  ADD COLUMN "total_value" DOUBLE PRECISION,
  ADD COLUMN "strategy" TEXT,
  ADD COLUMN "exit_price" DOUBLE PRECISION,
  ADD COLUMN "exit_time" TIMESTAMPTZ(3),
  ADD COLUMN "profit_loss_pct" DOUBLE PRECISION,
  ADD COLUMN "updated_at" TIMESTAMPTZ(3);
-- Orders were placed when their row was created, and never changed after. A fill that realised
-- P&L (a SELL) was an exit at its fill price; its cost was price * quantity - profit_loss.
UPDATE "trades" SET
  "order_time" = "created_at",
  "updated_at" = "created_at",
  "total_value" = "price" * "quantity",
  "exit_price" = CASE WHEN "profit_loss" IS NOT NULL THEN "price" END,
  "exit_time" = CASE WHEN "profit_loss" IS NOT NULL THEN "execution_time" END,
  "profit_loss_pct" = CASE WHEN "profit_loss" IS NOT NULL AND "price" * "quantity" - "profit_loss" > 0
                           THEN "profit_loss" / ("price" * "quantity" - "profit_loss") * 100 END;
ALTER TABLE "trades" ALTER COLUMN "order_time" SET NOT NULL,
  ALTER COLUMN "order_time" SET DEFAULT CURRENT_TIMESTAMP,
  ALTER COLUMN "updated_at" SET NOT NULL,
  ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE "trades" ADD CONSTRAINT "trades_total_value_check" CHECK (
  ("status" <> 'FILLED' OR "total_value" IS NOT NULL) AND ("total_value" IS NULL OR "total_value" >= 0)
);
DROP INDEX "trades_ticker_created_at_idx";
DROP INDEX "trades_created_at_idx";
CREATE INDEX "trades_ticker_order_time_idx" ON "trades"("ticker", "order_time" DESC);
CREATE INDEX "trades_status_order_time_idx" ON "trades"("status", "order_time");
CREATE INDEX "trades_order_time_idx" ON "trades"("order_time" DESC);

-- portfolio: a uuid primary key with the ticker unique, as in the plan; the plan's names; the
-- value and P&L percentage as of the last fill (when current_price was set); risk levels.
ALTER TABLE "portfolio" RENAME COLUMN "average_price" TO "avg_entry_price";
ALTER TABLE "portfolio" RENAME CONSTRAINT "portfolio_average_price_check" TO "portfolio_avg_entry_price_check";
ALTER TABLE "portfolio" ADD COLUMN "id" UUID,
  ADD COLUMN "market_value" DOUBLE PRECISION,
  ADD COLUMN "unrealized_pnl_pct" DOUBLE PRECISION,
  ADD COLUMN "stop_loss" DOUBLE PRECISION,
  ADD COLUMN "take_profit" DOUBLE PRECISION;
UPDATE "portfolio" SET
  "id" = gen_random_uuid(),
  "market_value" = "quantity" * "current_price",
  "unrealized_pnl_pct" = CASE WHEN "current_price" IS NOT NULL AND "quantity" * "avg_entry_price" > 0
                              THEN "unrealized_pnl" / ("quantity" * "avg_entry_price") * 100 END;
ALTER TABLE "portfolio" ALTER COLUMN "id" SET NOT NULL,
  ALTER COLUMN "quantity" SET DEFAULT 0,
  DROP CONSTRAINT "portfolio_pkey",
  ADD CONSTRAINT "portfolio_pkey" PRIMARY KEY ("id");
CREATE UNIQUE INDEX "portfolio_ticker_key" ON "portfolio"("ticker");

-- data_ingestion_logs: the plan's names. A log row was created when its window started.
ALTER TABLE "data_ingestion_logs" RENAME COLUMN "start_date" TO "from_date";
ALTER TABLE "data_ingestion_logs" RENAME COLUMN "end_date" TO "to_date";
ALTER TABLE "data_ingestion_logs" RENAME COLUMN "records_count" TO "rows_ingested";
ALTER TABLE "data_ingestion_logs" RENAME COLUMN "started_at" TO "created_at";
ALTER INDEX "data_ingestion_logs_ticker_timeframe_start_date_idx" RENAME TO "data_ingestion_logs_ticker_timeframe_from_date_idx";
ALTER INDEX "data_ingestion_logs_started_at_idx" RENAME TO "data_ingestion_logs_created_at_idx";

-- system_metrics: the plan's name for a point's labels.
ALTER TABLE "system_metrics" RENAME COLUMN "tags" TO "metadata";
