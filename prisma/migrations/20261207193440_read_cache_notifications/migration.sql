-- Every app instance serves the bots' hot reads (latest predictions, latest bars, signals) from an
-- in-memory cache and listens on `read_cache_changed` (server/db/read-cache.ts): any statement that
-- writes a table those reads come from notifies every instance at commit, with the table's name,
-- and each drops what it cached from that table. Statement-level, so a bulk write of 100,000 bars
-- sends one notification (PostgreSQL folds identical ones within a transaction), whoever wrote it.
CREATE FUNCTION notify_read_cache_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('read_cache_changed', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

CREATE TRIGGER market_data_read_cache
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON market_data
  FOR EACH STATEMENT EXECUTE FUNCTION notify_read_cache_changed();

CREATE TRIGGER predictions_read_cache
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON predictions
  FOR EACH STATEMENT EXECUTE FUNCTION notify_read_cache_changed();

CREATE TRIGGER models_read_cache
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON models
  FOR EACH STATEMENT EXECUTE FUNCTION notify_read_cache_changed();
