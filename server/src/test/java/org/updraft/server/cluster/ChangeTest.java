package org.updraft.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The payloads the V9 migration's triggers send on {@code updraft_change}. */
class ChangeTest {

    @Test
    void aTableChangeNamesTheTableAndTheWriter() {
        assertThat(Change.parse("rollout node-a")).isEqualTo(new Change("rollout", "node-a", null));
    }

    @Test
    void aDeviceUpdateChangeAlsoNamesTheDevice() {
        assertThat(Change.parse("device_update node-b AA:00:00:00:00:01"))
                .isEqualTo(new Change("device_update", "node-b", "AA:00:00:00:00:01"));
    }

    @Test
    void aWriterWithoutApplicationNameIsEmptyNotAnInstance() {
        assertThat(Change.parse("api_token ")).isEqualTo(new Change("api_token", "", null));
    }

    @Test
    void aPayloadNotFromOurTriggersNamesNoTable() {
        assertThat(Change.parse("")).isEqualTo(new Change("", "", null));
        assertThat(Change.parse(null)).isEqualTo(new Change("", "", null));
    }
}
