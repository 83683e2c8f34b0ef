-- The plan's global "timestamp" DESC indexes on the two bar tables served no query: every read is
-- per series and uses the primary key (ticker, timeframe, timestamp), and native retention now
-- deletes per series through it too. Maintaining them cost about a third of the COPY time of a
-- backfill (ascending bars go to the far end of a DESC index). TimescaleDB mode creates no
-- default time index either (create_default_indexes => false).

-- DropIndex
DROP INDEX "features_timestamp_idx";

-- DropIndex
DROP INDEX "market_data_timestamp_idx";
