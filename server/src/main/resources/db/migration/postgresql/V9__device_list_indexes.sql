-- Indexes of the paged device list (docs/api.md, "The device list"): keyset pages in MAC order
-- within a product, in running-version order, by tag, by update state.
-- No index on last_seen: every check-in moves it, and an index on it would make every device
-- row update a non-HOT update that rewrites every index of the row; a page sorted or filtered by
-- last seen scans the device table instead (BENCHMARKS.md has its time at 100,000 devices).
CREATE INDEX device_product_mac ON device (product_id, mac);
DROP INDEX device_product;
CREATE INDEX device_version_mac ON device ((COALESCE(running_version, '')), mac);
CREATE INDEX device_tag_tag ON device_tag (tag, mac);
CREATE INDEX device_update_state ON device_update (state, mac);
