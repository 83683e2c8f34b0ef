-- CreateEnum
CREATE TYPE "Direction" AS ENUM ('UP', 'DOWN', 'NEUTRAL');

-- CreateEnum
CREATE TYPE "TradeSide" AS ENUM ('BUY', 'SELL');

-- CreateEnum
CREATE TYPE "OrderType" AS ENUM ('MARKET', 'LIMIT');

-- CreateEnum
CREATE TYPE "TradeStatus" AS ENUM ('PENDING', 'FILLED', 'CANCELLED', 'REJECTED');

-- CreateEnum
CREATE TYPE "IngestionStatus" AS ENUM ('RUNNING', 'SUCCESS', 'PARTIAL', 'FAILED');

-- CreateEnum
CREATE TYPE "ModelStatus" AS ENUM ('TRAINING', 'READY', 'DEPLOYED', 'RETIRED');

-- CreateTable
CREATE TABLE "market_data" (
    "ticker" TEXT NOT NULL,
    "timeframe" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,
    "open" DOUBLE PRECISION NOT NULL,
    "high" DOUBLE PRECISION NOT NULL,
    "low" DOUBLE PRECISION NOT NULL,
    "close" DOUBLE PRECISION NOT NULL,
    "volume" DOUBLE PRECISION NOT NULL,
    "vwap" DOUBLE PRECISION,
    "trade_count" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "market_data_pkey" PRIMARY KEY ("ticker","timeframe","timestamp")
);

-- CreateTable
CREATE TABLE "features" (
    "ticker" TEXT NOT NULL,
    "timeframe" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,
    "sma_20" DOUBLE PRECISION,
    "sma_50" DOUBLE PRECISION,
    "sma_200" DOUBLE PRECISION,
    "ema_12" DOUBLE PRECISION,
    "ema_26" DOUBLE PRECISION,
    "rsi_14" DOUBLE PRECISION,
    "macd" DOUBLE PRECISION,
    "macd_signal" DOUBLE PRECISION,
    "macd_hist" DOUBLE PRECISION,
    "stoch_k" DOUBLE PRECISION,
    "stoch_d" DOUBLE PRECISION,
    "bb_upper" DOUBLE PRECISION,
    "bb_middle" DOUBLE PRECISION,
    "bb_lower" DOUBLE PRECISION,
    "atr_14" DOUBLE PRECISION,
    "volume_sma_20" DOUBLE PRECISION,
    "obv" DOUBLE PRECISION,
    "high_low_ratio" DOUBLE PRECISION,
    "close_open_ratio" DOUBLE PRECISION,
    "features" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "features_pkey" PRIMARY KEY ("ticker","timeframe","timestamp")
);

-- CreateTable
CREATE TABLE "models" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "ticker" TEXT,
    "timeframe" TEXT,
    "status" "ModelStatus" NOT NULL DEFAULT 'READY',
    "is_active" BOOLEAN NOT NULL DEFAULT false,
    "accuracy" DOUBLE PRECISION,
    "precision" DOUBLE PRECISION,
    "recall" DOUBLE PRECISION,
    "f1_score" DOUBLE PRECISION,
    "sharpe_ratio" DOUBLE PRECISION,
    "hyperparameters" JSONB,
    "metrics" JSONB,
    "feature_set" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "training_start" TIMESTAMPTZ(3),
    "training_end" TIMESTAMPTZ(3),
    "trained_at" TIMESTAMPTZ(3),
    "deployed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "models_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "predictions" (
    "id" UUID NOT NULL,
    "model_id" UUID NOT NULL,
    "ticker" TEXT NOT NULL,
    "timeframe" TEXT NOT NULL,
    "prediction_time" TIMESTAMPTZ(3) NOT NULL,
    "target_time" TIMESTAMPTZ(3) NOT NULL,
    "predicted_direction" "Direction" NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL,
    "probability" DOUBLE PRECISION,
    "predicted_price" DOUBLE PRECISION,
    "predicted_change" DOUBLE PRECISION,
    "base_price" DOUBLE PRECISION,
    "actual_direction" "Direction",
    "actual_price" DOUBLE PRECISION,
    "actual_change" DOUBLE PRECISION,
    "is_correct" BOOLEAN,
    "resolved_at" TIMESTAMPTZ(3),
    "features" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "predictions_pkey" PRIMARY KEY ("id","prediction_time")
);

-- CreateTable
CREATE TABLE "trades" (
    "id" UUID NOT NULL,
    "client_order_id" TEXT,
    "ticker" TEXT NOT NULL,
    "side" "TradeSide" NOT NULL,
    "quantity" DOUBLE PRECISION NOT NULL,
    "price" DOUBLE PRECISION,
    "order_type" "OrderType" NOT NULL DEFAULT 'MARKET',
    "limit_price" DOUBLE PRECISION,
    "status" "TradeStatus" NOT NULL DEFAULT 'PENDING',
    "commission" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "realized_pnl" DOUBLE PRECISION,
    "model_id" UUID,
    "prediction_id" UUID,
    "notes" TEXT,
    "executed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "trades_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "portfolio" (
    "ticker" TEXT NOT NULL,
    "quantity" DOUBLE PRECISION NOT NULL,
    "average_price" DOUBLE PRECISION NOT NULL,
    "current_price" DOUBLE PRECISION,
    "realized_pnl" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "unrealized_pnl" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "portfolio_pkey" PRIMARY KEY ("ticker")
);

-- CreateTable
CREATE TABLE "data_ingestion_logs" (
    "id" UUID NOT NULL,
    "run_id" UUID,
    "source" TEXT NOT NULL DEFAULT 'polygon',
    "ticker" TEXT NOT NULL,
    "timeframe" TEXT NOT NULL,
    "start_date" TIMESTAMPTZ(3) NOT NULL,
    "end_date" TIMESTAMPTZ(3) NOT NULL,
    "status" "IngestionStatus" NOT NULL,
    "records_count" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "error_message" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "data_ingestion_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "system_metrics" (
    "id" BIGSERIAL NOT NULL,
    "metric_name" TEXT NOT NULL,
    "metric_value" DOUBLE PRECISION NOT NULL,
    "tags" JSONB,
    "timestamp" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "system_metrics_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "scopes" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "market_data_timestamp_idx" ON "market_data"("timestamp" DESC);

-- CreateIndex
CREATE INDEX "features_timestamp_idx" ON "features"("timestamp" DESC);

-- CreateIndex
CREATE INDEX "models_ticker_timeframe_is_active_idx" ON "models"("ticker", "timeframe", "is_active");

-- CreateIndex
CREATE UNIQUE INDEX "models_name_version_key" ON "models"("name", "version");

-- CreateIndex
CREATE INDEX "predictions_ticker_timeframe_prediction_time_idx" ON "predictions"("ticker", "timeframe", "prediction_time" DESC);

-- CreateIndex
CREATE INDEX "predictions_model_id_prediction_time_idx" ON "predictions"("model_id", "prediction_time" DESC);

-- CreateIndex
CREATE INDEX "predictions_target_time_idx" ON "predictions"("target_time");

-- CreateIndex
CREATE UNIQUE INDEX "predictions_model_id_ticker_timeframe_prediction_time_key" ON "predictions"("model_id", "ticker", "timeframe", "prediction_time");

-- CreateIndex
CREATE UNIQUE INDEX "trades_client_order_id_key" ON "trades"("client_order_id");

-- CreateIndex
CREATE INDEX "trades_ticker_created_at_idx" ON "trades"("ticker", "created_at" DESC);

-- CreateIndex
CREATE INDEX "trades_created_at_idx" ON "trades"("created_at" DESC);

-- CreateIndex
CREATE INDEX "data_ingestion_logs_ticker_timeframe_start_date_idx" ON "data_ingestion_logs"("ticker", "timeframe", "start_date");

-- CreateIndex
CREATE INDEX "data_ingestion_logs_started_at_idx" ON "data_ingestion_logs"("started_at" DESC);

-- CreateIndex
CREATE INDEX "data_ingestion_logs_run_id_idx" ON "data_ingestion_logs"("run_id");

-- CreateIndex
CREATE INDEX "system_metrics_metric_name_timestamp_idx" ON "system_metrics"("metric_name", "timestamp" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- AddForeignKey
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "models"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trades" ADD CONSTRAINT "trades_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "models"("id") ON DELETE SET NULL ON UPDATE CASCADE;
