-- Every app instance caches verified API keys in memory and listens on `api_keys_changed`
-- (server/db/notifications.ts): any change to what authentication reads - a key created, revoked,
-- rotated, re-scoped or deleted - notifies them at commit and they drop their caches, so a revoked
-- key is refused everywhere within milliseconds. `last_used_at` bookkeeping does not notify.
CREATE FUNCTION notify_api_keys_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('api_keys_changed', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_changed
  AFTER INSERT OR DELETE OR UPDATE OF id, name, prefix, key_hash, scopes, expires_at, revoked_at ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION notify_api_keys_changed();

CREATE TRIGGER api_keys_truncated
  AFTER TRUNCATE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION notify_api_keys_changed();
