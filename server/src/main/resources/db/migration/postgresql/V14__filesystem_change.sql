-- Several instances on one PostgreSQL database (docs/cluster.md): fleet/SentFilesystems keeps the
-- device_filesystem rows in memory, so a row another instance wrote (a file system image sent to
-- a device, confirmed by its next sketch check-in, or forgotten after a broken transfer) notifies
-- updraft_change as V12's device_update rows do: "<table> <application_name> <mac>", sent when
-- the writing transaction commits. A deleted row has no NEW, so the MAC is taken from OLD.
CREATE FUNCTION updraft_device_row_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('updraft_change', TG_TABLE_NAME || ' ' || current_setting('application_name') || ' '
        || rtrim(CASE WHEN TG_OP = 'DELETE' THEN OLD.mac ELSE NEW.mac END));
    RETURN NULL;
END
$$;

CREATE TRIGGER device_filesystem_change AFTER INSERT OR UPDATE OR DELETE ON device_filesystem FOR EACH ROW
    EXECUTE FUNCTION updraft_device_row_change();
