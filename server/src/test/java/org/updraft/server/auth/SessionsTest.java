package org.updraft.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.updraft.server.TestServer;

/** Sessions against real tokens in the server's database, with the time given explicitly. */
class SessionsTest {

    static TestServer server;
    static ApiTokens tokens;
    static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");

    @BeforeAll
    static void start() {
        server = new TestServer();
        tokens = new ApiTokens(server.server().database().jdbi());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Sessions.SignIn.Opened open(Sessions sessions, String secret, Instant at) {
        return (Sessions.SignIn.Opened) sessions.signIn(secret, at);
    }

    @Test
    void aSessionLivesWhileUsedAndEndsAfterItsIdleTime() {
        Sessions sessions = new Sessions(tokens, Duration.ofHours(12));
        var opened = open(sessions, server.adminToken(), T0);
        assertThat(opened.id()).matches("[A-Za-z0-9_-]{43}");
        assertThat(opened.principal().name()).isEqualTo("seeded");
        // Each use restarts the idle clock: 11 h, then 11 h more, is fine.
        assertThat(sessions.authenticate(opened.id(), T0.plus(Duration.ofHours(11)))).isInstanceOf(Authentication.Valid.class);
        assertThat(sessions.authenticate(opened.id(), T0.plus(Duration.ofHours(22)))).isInstanceOf(Authentication.Valid.class);
        var expired = sessions.authenticate(opened.id(), T0.plus(Duration.ofHours(34)).plusSeconds(1));
        assertThat(expired).isEqualTo(new Authentication.Refused("the session expired after 12 h without use; sign in again", true, null));
        assertThat(sessions.authenticate(opened.id(), T0.plus(Duration.ofHours(34)))).as("gone for good")
                .isEqualTo(new Authentication.Refused("the session is not valid (signed out, expired or unknown); sign in again", true, null));
        assertThat(sessions.size()).isZero();
    }

    @Test
    void signOutEndsOnlyThatSession() {
        Sessions sessions = new Sessions(tokens, Duration.ofHours(12));
        var a = open(sessions, server.adminToken(), T0);
        var b = open(sessions, server.adminToken(), T0);
        assertThat(a.id()).isNotEqualTo(b.id());
        assertThat(sessions.end(a.id())).isTrue();
        assertThat(sessions.end(a.id())).isFalse();
        assertThat(sessions.authenticate(a.id(), T0)).isInstanceOf(Authentication.Refused.class);
        assertThat(sessions.authenticate(b.id(), T0)).isInstanceOf(Authentication.Valid.class);
        assertThat(sessions.end(null)).isFalse();
    }

    @Test
    void aWrongOrMissingTokenOpensNothing() {
        Sessions sessions = new Sessions(tokens, Duration.ofHours(12));
        assertThat(sessions.signIn("upd_nottherightsecretnottherightsecretnottheright", T0))
                .isEqualTo(new Sessions.SignIn.Refused(new Authentication.Refused("the bearer token is not valid (unknown or revoked)", true, null)));
        assertThat(sessions.signIn("  ", T0)).isInstanceOf(Sessions.SignIn.Refused.class);
        assertThat(sessions.signIn(null, T0)).isInstanceOf(Sessions.SignIn.Refused.class);
        assertThat(sessions.size()).isZero();
        assertThat(sessions.authenticate(null, T0)).isInstanceOf(Authentication.Refused.class);
    }

    @Test
    void aRevokedTokenEndsItsSessionsAndNamesItsOwner() {
        Sessions sessions = new Sessions(tokens, Duration.ofHours(12));
        var issued = tokens.create("sessions-revoked", Role.OPERATOR, "test", T0);
        var opened = open(sessions, issued.secret(), T0);
        assertThat(((Authentication.Valid) sessions.authenticate(opened.id(), T0)).principal().role()).isEqualTo(Role.OPERATOR);
        tokens.revoke(issued.token().id(), T0);
        assertThat(sessions.authenticate(opened.id(), T0)).isEqualTo(new Authentication.Refused(
                "the session ended: its token was revoked; sign in again", true,
                new Principal(issued.token().id(), "sessions-revoked", Role.OPERATOR)));
        assertThat(sessions.size()).isZero();
    }

    @Test
    void theIdleTimeMustBePositive() {
        assertThatThrownBy(() -> new Sessions(tokens, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a session's idle lifetime must be positive, got PT0S");
    }
}
