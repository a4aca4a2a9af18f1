-- Which file system image each device was last sent in full, and whether it confirmed it
-- (docs/device-contract.md, "Filesystem requests"): sent when a transfer ended with the image's
-- last byte, confirmed by the device's next sketch check-in. No reference to device: the device
-- row is written in batches and may not exist yet when a transfer ends.
CREATE TABLE device_filesystem (
    mac        CHAR(17)                 PRIMARY KEY,
    sha256     CHAR(64)                 NOT NULL,
    confirmed  BOOLEAN                  NOT NULL,
    changed_at TIMESTAMP WITH TIME ZONE NOT NULL
);
