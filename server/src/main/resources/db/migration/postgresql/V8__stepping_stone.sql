-- A product's stepping stone (docs/rollouts.md, "Stepping stones for small flash"): a small
-- release offered first to a device whose free sketch space is below its target's image, so that
-- the target fits once the device runs it. At most one per product; the release must be the
-- product's own. Numbered 9 to leave room for the migrations other changes add meanwhile.
CREATE TABLE product_stepping_stone (
    product_id  BIGINT                   PRIMARY KEY REFERENCES product (id),
    release_id  BIGINT                   NOT NULL REFERENCES firmware_release (id),
    set_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
