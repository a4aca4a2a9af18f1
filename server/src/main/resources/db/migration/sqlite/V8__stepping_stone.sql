-- A product's stepping stone (docs/rollouts.md, "Stepping stones for small flash").
-- SQLite dialect of db/migration/postgresql/V9.
CREATE TABLE product_stepping_stone (
    product_id  INTEGER PRIMARY KEY REFERENCES product (id),
    release_id  INTEGER NOT NULL REFERENCES firmware_release (id),
    set_at      TEXT    NOT NULL CHECK (set_at LIKE '____-__-__T__:__:__.______Z')
) STRICT;
