-- Several instances on one PostgreSQL database (docs/cluster.md).
--
-- Change propagation: every write to a table an instance keeps in memory sends
-- NOTIFY updraft_change in the writing transaction, so it is delivered only when that transaction
-- commits. The payload is "<table> <application_name>[ <mac>]": the writer's application_name is
-- its instance name (store/Database sets it), so an instance skips what it wrote itself; a
-- device's rows name the device so only that device is read again. PostgreSQL folds identical
-- payloads of one transaction into one notification.
CREATE FUNCTION updraft_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('updraft_change', TG_TABLE_NAME || ' ' || current_setting('application_name'));
    RETURN NULL;
END
$$;

CREATE FUNCTION updraft_device_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('updraft_change', TG_TABLE_NAME || ' ' || current_setting('application_name') || ' ' || NEW.mac);
    RETURN NULL;
END
$$;

CREATE TRIGGER product_change AFTER INSERT OR UPDATE OR DELETE ON product
    FOR EACH STATEMENT EXECUTE FUNCTION updraft_change();
CREATE TRIGGER firmware_release_change AFTER INSERT OR UPDATE OR DELETE ON firmware_release
    FOR EACH STATEMENT EXECUTE FUNCTION updraft_change();
CREATE TRIGGER release_artifact_change AFTER INSERT OR UPDATE OR DELETE ON release_artifact
    FOR EACH STATEMENT EXECUTE FUNCTION updraft_change();
CREATE TRIGGER product_key_change AFTER INSERT OR UPDATE OR DELETE ON product_key
    FOR EACH STATEMENT EXECUTE FUNCTION updraft_change();
CREATE TRIGGER product_stepping_stone_change AFTER INSERT OR UPDATE OR DELETE ON product_stepping_stone
    FOR EACH STATEMENT EXECUTE FUNCTION updraft_change();
CREATE TRIGGER product_allowlist_change AFTER INSERT OR UPDATE OR DELETE ON product_allowlist
    FOR EACH STATEMENT EXECUTE FUNCTION updraft_change();
CREATE TRIGGER device_token_change AFTER INSERT OR UPDATE OR DELETE ON device_token
    FOR EACH STATEMENT EXECUTE FUNCTION updraft_change();
CREATE TRIGGER api_token_change AFTER INSERT OR UPDATE OR DELETE ON api_token
    FOR EACH STATEMENT EXECUTE FUNCTION updraft_change();
CREATE TRIGGER rollout_change AFTER INSERT OR UPDATE OR DELETE ON rollout
    FOR EACH STATEMENT EXECUTE FUNCTION updraft_change();
CREATE TRIGGER device_tag_change AFTER INSERT OR UPDATE OR DELETE ON device_tag
    FOR EACH STATEMENT EXECUTE FUNCTION updraft_change();
-- A device row changes on every check-in batch; only a pin or a move to another product is news.
CREATE TRIGGER device_change AFTER UPDATE ON device FOR EACH ROW
    WHEN (OLD.pinned_release_id IS DISTINCT FROM NEW.pinned_release_id OR OLD.product_id IS DISTINCT FROM NEW.product_id)
    EXECUTE FUNCTION updraft_change();
CREATE TRIGGER device_update_change AFTER INSERT OR UPDATE ON device_update FOR EACH ROW
    EXECUTE FUNCTION updraft_device_change();

-- The last wave whose update-available notices were sent: a coordinator that takes over sends
-- only the waves after it. Rollouts that started before this migration were announced.
ALTER TABLE rollout ADD COLUMN announced_wave INT DEFAULT -1 NOT NULL;
UPDATE rollout SET announced_wave = current_wave WHERE state <> 'draft';

-- Downloads of a rollout in flight, one row per device, whichever instance sends it: the
-- rollout's maxConcurrent counts these rows. A row older than the stale limit is a transfer of
-- an instance that died and is not counted.
CREATE TABLE rollout_in_flight (
    rollout_id  BIGINT      NOT NULL REFERENCES rollout (id),
    mac         CHAR(17)    NOT NULL,
    instance    VARCHAR(63) NOT NULL,
    since       TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (rollout_id, mac)
);
