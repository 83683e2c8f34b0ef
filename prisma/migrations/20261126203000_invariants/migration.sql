-- Invariants Prisma's schema language cannot express. The database enforces them, so no client,
-- tool or hand-written SQL can store a bar with high < low or a confidence of 1.3.

-- Known timeframes everywhere a timeframe is stored.
ALTER TABLE "market_data" ADD CONSTRAINT "market_data_timeframe_check" CHECK ("timeframe" IN ('1m', '5m', '15m', '1h', '4h', '1d'));
ALTER TABLE "features" ADD CONSTRAINT "features_timeframe_check" CHECK ("timeframe" IN ('1m', '5m', '15m', '1h', '4h', '1d'));
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_timeframe_check" CHECK ("timeframe" IN ('1m', '5m', '15m', '1h', '4h', '1d'));
ALTER TABLE "models" ADD CONSTRAINT "models_timeframe_check" CHECK ("timeframe" IS NULL OR "timeframe" IN ('1m', '5m', '15m', '1h', '4h', '1d'));
ALTER TABLE "data_ingestion_logs" ADD CONSTRAINT "data_ingestion_logs_timeframe_check" CHECK ("timeframe" IN ('1m', '5m', '15m', '1h', '4h', '1d'));

-- Tickers: upper case, 1-15 characters.
ALTER TABLE "market_data" ADD CONSTRAINT "market_data_ticker_check" CHECK ("ticker" ~ '^[A-Z][A-Z0-9.-]{0,14}$');

-- OHLCV: prices positive and finite, low <= open, close <= high, volume >= 0.
ALTER TABLE "market_data" ADD CONSTRAINT "market_data_ohlcv_check" CHECK (
  "low" > 0 AND "high" < 'Infinity' AND "low" <= "high"
  AND "open" BETWEEN "low" AND "high"
  AND "close" BETWEEN "low" AND "high"
  AND "volume" >= 0 AND "volume" < 'Infinity'
  AND ("vwap" IS NULL OR ("vwap" > 0 AND "vwap" < 'Infinity'))
  AND ("trade_count" IS NULL OR "trade_count" >= 0)
);

-- Probabilities.
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_confidence_check" CHECK ("confidence" BETWEEN 0 AND 1);
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_probability_check" CHECK ("probability" IS NULL OR "probability" BETWEEN 0 AND 1);
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_target_after_prediction_check" CHECK ("target_time" > "prediction_time");
ALTER TABLE "models" ADD CONSTRAINT "models_metrics_range_check" CHECK (
  ("accuracy" IS NULL OR "accuracy" BETWEEN 0 AND 1)
  AND ("precision" IS NULL OR "precision" BETWEEN 0 AND 1)
  AND ("recall" IS NULL OR "recall" BETWEEN 0 AND 1)
  AND ("f1_score" IS NULL OR "f1_score" BETWEEN 0 AND 1)
);

-- Trades and positions.
ALTER TABLE "trades" ADD CONSTRAINT "trades_quantity_check" CHECK ("quantity" > 0);
ALTER TABLE "trades" ADD CONSTRAINT "trades_price_check" CHECK ("price" IS NULL OR "price" > 0);
ALTER TABLE "trades" ADD CONSTRAINT "trades_limit_price_check" CHECK (("order_type" = 'LIMIT') = ("limit_price" IS NOT NULL) AND ("limit_price" IS NULL OR "limit_price" > 0));
ALTER TABLE "trades" ADD CONSTRAINT "trades_filled_check" CHECK ("status" <> 'FILLED' OR ("price" IS NOT NULL AND "executed_at" IS NOT NULL));
ALTER TABLE "trades" ADD CONSTRAINT "trades_commission_check" CHECK ("commission" >= 0);
ALTER TABLE "portfolio" ADD CONSTRAINT "portfolio_average_price_check" CHECK ("average_price" >= 0);

-- Ingestion windows.
ALTER TABLE "data_ingestion_logs" ADD CONSTRAINT "data_ingestion_logs_range_check" CHECK ("end_date" >= "start_date" AND "records_count" >= 0 AND "attempts" >= 0);

-- At most one active model per (ticker, timeframe). Prisma's schema cannot declare a partial
-- index, but its diff leaves one alone. coalesce() makes models without a ticker share one slot.
CREATE UNIQUE INDEX "models_one_active" ON "models" (coalesce("ticker", ''), coalesce("timeframe", '')) WHERE "is_active";
