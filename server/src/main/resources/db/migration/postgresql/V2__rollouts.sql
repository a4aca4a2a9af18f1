-- Staged rollouts (DESIGN §6) and the per-device update state derived from check-ins (DESIGN §3).

-- How long a device must keep checking in on a new image before it counts as confirmed.
ALTER TABLE product ADD COLUMN health_window_seconds BIGINT DEFAULT 300 NOT NULL;

CREATE TABLE device_tag (
    mac  CHAR(17)    NOT NULL,
    tag  VARCHAR(64) NOT NULL,
    PRIMARY KEY (mac, tag)
);

CREATE TABLE rollout (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id         BIGINT        NOT NULL REFERENCES product (id),
    release_id         BIGINT        NOT NULL REFERENCES firmware_release (id),
    state              VARCHAR(16)   NOT NULL,
    reason             VARCHAR(300),
    target_tags        VARCHAR(500),
    from_versions      VARCHAR(200),
    waves              VARCHAR(500)  NOT NULL,
    success_threshold  DOUBLE PRECISION NOT NULL,
    failure_threshold  DOUBLE PRECISION NOT NULL,
    soak_seconds       BIGINT        NOT NULL,
    max_concurrent     INT           NOT NULL,
    max_attempts       INT           NOT NULL,
    backoff_seconds    BIGINT        NOT NULL,
    current_wave       INT           NOT NULL,
    wave_started_at    TIMESTAMP WITH TIME ZONE,
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at        TIMESTAMP WITH TIME ZONE
);

CREATE TABLE device_update (
    mac              CHAR(17)    NOT NULL,
    release_id       BIGINT      NOT NULL REFERENCES firmware_release (id),
    rollout_id       BIGINT,
    state            VARCHAR(16) NOT NULL,
    attempts         INT         NOT NULL,
    last_error       VARCHAR(300),
    offered_at       TIMESTAMP WITH TIME ZONE,
    downloaded_at    TIMESTAMP WITH TIME ZONE,
    installed_at     TIMESTAMP WITH TIME ZONE,
    finished_at      TIMESTAMP WITH TIME ZONE,
    next_attempt_at  TIMESTAMP WITH TIME ZONE,
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (mac, release_id)
);
CREATE INDEX device_update_rollout ON device_update (rollout_id);

-- A held release reaches devices only through a rollout (until a rollout of it completes).
ALTER TABLE firmware_release ADD COLUMN held BOOLEAN DEFAULT FALSE NOT NULL;
