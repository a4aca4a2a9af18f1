package org.updraft.device.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UpdateSubscriptionTest {

    @Test
    void theSharedSubscriptionFindsTheDeviceByTheMacLevelOfTheTopic() {
        assertThat(UpdateSubscription.topic("relay", "5C:CF:7F:01:02:03")).isEqualTo("updraft/relay/5C:CF:7F:01:02:03/update");
        assertThat(UpdateSubscription.topic("relay", "+")).as("the fleet's wildcard filter").isEqualTo("updraft/relay/+/update");
        assertThat(UpdateSubscription.macOf("updraft/relay/5C:CF:7F:01:02:03/update")).isEqualTo("5C:CF:7F:01:02:03");
        assertThat(UpdateSubscription.macOf("updraft/relay/rollouts/1")).as("a rollout event").isNull();
        assertThat(UpdateSubscription.macOf("updraft/relay/5C:CF:7F:01:02:03/update/extra")).isNull();
        assertThat(UpdateSubscription.macOf("other/relay/5C:CF:7F:01:02:03/update")).isNull();
    }
}
